package dev.weft.validate;

import dev.weft.manifest.Document;
import dev.weft.manifest.Problem;
import dev.weft.manifest.SchemaValidator;
import dev.weft.manifest.YamlReader;
import dev.weft.model.Host;
import dev.weft.model.LoadBalancer;
import dev.weft.model.LogicalNetwork;
import dev.weft.model.NatGateway;
import dev.weft.model.PublicIPAddress;
import dev.weft.model.Kind;
import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import dev.weft.model.NetworkSecurityGroup;
import dev.weft.model.Resource;
import dev.weft.model.ResourceId;
import dev.weft.model.VirtualNetwork;
import dev.weft.source.ManifestFile;
import dev.weft.source.Snapshot;
import dev.weft.validate.SemanticRules.Declared;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates a revision in three passes, collecting every problem rather than stopping at the first:
 * YAML (syntax, duplicate keys), JSON Schema per kind, then the rules across documents. Files are
 * parsed and schema-checked in parallel; the cross-document rules run once over the whole revision.
 */
public final class Validator {

    private final SchemaValidator schemas = new SchemaValidator();

    /**
     * Files already parsed and schema-checked, by path and blob id: revisions that share a file (a pull
     * request's base and head share nearly all) parse it once, and share its model records.
     */
    private final Map<String, FileResult> cache = new ConcurrentHashMap<>();

    /**
     * A document's outcome, kept small: where it is, its kind and identity, its schema problems, and its
     * resource when it has none. The parse tree is not kept ({@link Locator} finds it again for errors).
     */
    private record Checked(ManifestFile file, int index, Kind kind, ResourceId id, List<Problem> problems, Resource resource) {
    }

    private record FileResult(List<Checked> documents, List<Problem> problems) {
    }

    /** Forgets the parses of files that are not in {@code snapshot}, so a long-running reconciler's cache stays bounded. */
    public void retainOnly(Snapshot snapshot) {
        Set<String> keep = new HashSet<>();
        snapshot.files().forEach(f -> keep.add(f.path() + "\0" + f.blobId()));
        cache.keySet().retainAll(keep);
    }

    public ValidationResult validate(Snapshot snapshot) {
        List<Problem> problems = new ArrayList<>();
        List<FileResult> files = snapshot.files().parallelStream()
                .map(f -> cache.computeIfAbsent(f.path() + "\0" + f.blobId(), k -> checkFile(f)))
                .toList();
        List<Checked> checked = new ArrayList<>();
        files.forEach(r -> {
            problems.addAll(r.problems());
            checked.addAll(r.documents());
        });

        Locator locator = new Locator();
        Set<ResourceId> declared = new HashSet<>();
        Map<ResourceId, Checked> firstDeclaration = new HashMap<>();
        List<Checked> usable = new ArrayList<>();
        for (Checked c : checked) {
            problems.addAll(c.problems());
            if (c.kind() == null) {
                continue;
            }
            if (c.id() != null) {
                declared.add(c.id());
                Checked first = firstDeclaration.putIfAbsent(c.id(), c);
                if (first != null) {
                    problems.add(locator.document(c.file(), c.index()).problem("/metadata/name", "duplicate " + describe(c.id())
                            + " (first defined at " + locator.document(first.file(), first.index()).valueAt("/metadata/name") + ")"));
                    continue;
                }
            }
            if (c.problems().isEmpty()) {
                usable.add(c);
            }
        }

        List<Declared<Host>> hosts = new ArrayList<>();
        List<Declared<VirtualNetwork>> networks = new ArrayList<>();
        List<Declared<NetworkInterface>> nics = new ArrayList<>();
        List<Declared<NetworkSecurityGroup>> groups = new ArrayList<>();
        List<Declared<LogicalNetwork>> logicalNetworks = new ArrayList<>();
        List<Declared<PublicIPAddress>> publicIps = new ArrayList<>();
        List<Declared<NatGateway>> natGateways = new ArrayList<>();
        List<Declared<LoadBalancer>> loadBalancers = new ArrayList<>();
        List<Declared<dev.weft.model.VirtualNetworkPeering>> peerings = new ArrayList<>();
        List<Declared<dev.weft.model.RouteTable>> routeTables = new ArrayList<>();
        List<Declared<dev.weft.model.VirtualNetworkTap>> taps = new ArrayList<>();
        for (Checked c : usable) {
            Locator.DocumentRef ref = locator.ref(c.file(), c.index());
            switch (c.resource()) {
                case Host h -> hosts.add(new Declared<>(h, ref));
                case VirtualNetwork n -> networks.add(new Declared<>(n, ref));
                case NetworkInterface n -> nics.add(new Declared<>(n, ref));
                case NetworkSecurityGroup g -> groups.add(new Declared<>(g, ref));
                case LogicalNetwork l -> logicalNetworks.add(new Declared<>(l, ref));
                case PublicIPAddress p -> publicIps.add(new Declared<>(p, ref));
                case NatGateway g -> natGateways.add(new Declared<>(g, ref));
                case LoadBalancer l -> loadBalancers.add(new Declared<>(l, ref));
                case dev.weft.model.VirtualNetworkPeering p -> peerings.add(new Declared<>(p, ref));
                case dev.weft.model.RouteTable t -> routeTables.add(new Declared<>(t, ref));
                case dev.weft.model.VirtualNetworkTap t -> taps.add(new Declared<>(t, ref));
            }
        }
        SemanticRules rules = new SemanticRules(declared, problems::add);
        rules.check(hosts, networks, nics);
        rules.checkSecurityGroups(groups, networks, nics);
        new NorthSouthRules(declared, problems::add).check(hosts, networks, nics, logicalNetworks, publicIps, natGateways);
        new LoadBalancerRules(problems::add).check(loadBalancers, networks, nics, publicIps, natGateways, hosts);
        checkPeerings(peerings, networks, declared, problems::add);
        new RouteRules(problems::add).check(routeTables, networks, nics, declared);
        new TapRules(problems::add).check(taps, nics, declared);
        QosRules.check(nics, hosts, problems::add);

        Optional<Model> model = problems.isEmpty()
                ? Optional.of(Model.of(snapshot.revision(), resources(hosts), resources(networks), resources(nics), resources(groups),
                        resources(logicalNetworks), resources(publicIps), resources(natGateways), resources(loadBalancers), resources(peerings),
                        resources(routeTables), resources(taps)).withPeeringStates())
                : Optional.empty();
        return new ValidationResult(snapshot, checked.size(), problems, model);
    }

    /** Peerings: both networks exist, their address spaces don't overlap, one peering per pair of networks. */
    private static void checkPeerings(List<Declared<dev.weft.model.VirtualNetworkPeering>> peerings, List<Declared<VirtualNetwork>> networks,
                                      Set<ResourceId> declared, java.util.function.Consumer<dev.weft.manifest.Problem> report) {
        Map<ResourceId, Declared<VirtualNetwork>> byId = new HashMap<>();
        networks.forEach(n -> byId.put(n.resource().id(), n));
        Set<String> pairs = new HashSet<>();
        for (Declared<dev.weft.model.VirtualNetworkPeering> d : peerings) {
            var p = d.resource();
            Declared<VirtualNetwork> local = byId.get(p.networkId());
            Declared<VirtualNetwork> remote = byId.get(p.remote());
            if (local == null && !declared.contains(p.networkId())) {
                report.accept(d.document().problem("/spec/virtualNetwork", "virtual network \"" + p.virtualNetwork() + "\" does not exist in namespace "
                        + p.namespace()));
            }
            if (remote == null && !declared.contains(p.remote())) {
                report.accept(d.document().problem("/spec/remoteVirtualNetwork", "virtual network " + p.remote().namespace() + "/" + p.remote().name()
                        + " does not exist"));
            }
            if (p.networkId().equals(p.remote())) {
                report.accept(d.document().problem("/spec/remoteVirtualNetwork", "a network can't peer with itself"));
                continue;
            }
            if (!pairs.add(p.networkId() + "→" + p.remote())) {
                report.accept(d.document().problem("/metadata/name", "network " + p.virtualNetwork() + " already has a peering with "
                        + p.remote().namespace() + "/" + p.remote().name()));
            }
            if (local != null && remote != null) {
                for (dev.weft.net.Ipv4Prefix a : local.resource().addressSpace()) {
                    for (dev.weft.net.Ipv4Prefix b : remote.resource().addressSpace()) {
                        if (a.overlaps(b)) {
                            report.accept(d.document().problem("/spec/remoteVirtualNetwork", "address spaces overlap: " + a + " of "
                                    + p.namespace() + "/" + p.virtualNetwork() + " (" + local.source().document().valueAt("/spec/addressSpace") + ") and "
                                    + b + " of " + p.remote().namespace() + "/" + p.remote().name() + " ("
                                    + remote.source().document().valueAt("/spec/addressSpace") + "); peered networks need distinct addresses"));
                        }
                    }
                }
            }
        }
    }

    private static <T> List<T> resources(List<Declared<T>> declared) {
        return declared.stream().map(Declared::resource).toList();
    }

    private static String describe(ResourceId id) {
        return id.kind() + " \"" + id.name() + "\"" + (id.namespace().isEmpty() ? "" : " in namespace " + id.namespace());
    }

    /**
     * Parses and checks a file without node positions first (the common case: nothing is wrong); when
     * anything is, parses it again with positions so every problem names its line and column.
     */
    private FileResult checkFile(ManifestFile file) {
        if (file.refused() != null) {
            return new FileResult(List.of(), List.of(new dev.weft.manifest.Problem(new dev.weft.manifest.SourceLocation(file.path(), 1, 1), "",
                    file.refused())));
        }
        YamlReader.Result fast = YamlReader.read(file.path(), file.content(), false);
        if (fast.problems().isEmpty()) {
            List<Checked> documents = fast.documents().stream().map(d -> check(file, d)).toList();
            if (documents.stream().allMatch(c -> c.problems().isEmpty())) {
                return new FileResult(documents, List.of());
            }
        }
        YamlReader.Result located = YamlReader.read(file.path(), file.content(), true);
        return new FileResult(located.documents().stream().map(d -> check(file, d)).toList(), located.problems());
    }

    private Checked check(ManifestFile file, Document document) {
        String apiVersion = document.apiVersion();
        String kindName = document.kind();
        List<Problem> header = new ArrayList<>();
        if (!document.body().has("apiVersion")) {
            header.add(document.problem("/apiVersion", "missing required field \"apiVersion\" (expected " + Kind.API_VERSION + ")"));
        } else if (!Kind.API_VERSION.equals(apiVersion)) {
            header.add(document.problem("/apiVersion", "unknown apiVersion " + quote(document, "/apiVersion")
                    + " (expected " + Kind.API_VERSION + ")"));
        }
        Optional<Kind> kind = Optional.ofNullable(kindName).flatMap(Kind::of);
        if (!document.body().has("kind")) {
            header.add(document.problem("/kind", "missing required field \"kind\" (one of " + String.join(", ", Kind.names()) + ")"));
        } else if (kind.isEmpty()) {
            header.add(document.problem("/kind", "unknown kind " + quote(document, "/kind") + " (known kinds: "
                    + String.join(", ", Kind.names()) + ")"));
        }
        if (!header.isEmpty()) {
            return new Checked(file, document.index(), null, null, header, null);
        }
        List<Problem> problems = schemas.validate(document, kind.get());
        Resource resource = problems.isEmpty() ? switch (kind.get()) {
            case Host -> ModelReader.host(document);
            case VirtualNetwork -> ModelReader.network(document);
            case NetworkInterface -> ModelReader.networkInterface(document);
            case NetworkSecurityGroup -> ModelReader.securityGroup(document);
            case LogicalNetwork -> ModelReader.logicalNetwork(document);
            case PublicIPAddress -> ModelReader.publicIp(document);
            case NatGateway -> ModelReader.natGateway(document);
            case LoadBalancer -> ModelReader.loadBalancer(document);
            case VirtualNetworkPeering -> ModelReader.peering(document);
            case RouteTable -> ModelReader.routeTable(document);
            case VirtualNetworkTap -> ModelReader.tap(document);
        } : null;
        String name = document.name();
        ResourceId id = name == null ? null : new ResourceId(kind.get(), ModelReader.namespace(document), name);
        return new Checked(file, document.index(), kind.get(), id, problems, resource);
    }

    private static String quote(Document document, String pointer) {
        return document.body().at(pointer).toString();
    }
}
