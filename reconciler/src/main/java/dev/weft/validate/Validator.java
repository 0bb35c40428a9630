package dev.weft.validate;

import dev.weft.manifest.Document;
import dev.weft.manifest.Problem;
import dev.weft.manifest.SchemaValidator;
import dev.weft.manifest.YamlReader;
import dev.weft.model.Host;
import dev.weft.model.Kind;
import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import dev.weft.model.ResourceId;
import dev.weft.model.VirtualNetwork;
import dev.weft.source.ManifestFile;
import dev.weft.source.Snapshot;
import dev.weft.validate.SemanticRules.Declared;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Validates a revision in three passes, collecting every problem rather than stopping at the first:
 * YAML (syntax, duplicate keys), JSON Schema per kind, then the rules across documents. Files are
 * parsed and schema-checked in parallel; the cross-document rules run once over the whole revision.
 */
public final class Validator {

    private final SchemaValidator schemas = new SchemaValidator();

    /** A document that passed the YAML and header checks, with its kind and (possibly) schema problems. */
    private record Checked(Document document, Kind kind, List<Problem> problems) {
    }

    public ValidationResult validate(Snapshot snapshot) {
        List<Problem> problems = new ArrayList<>();
        List<YamlReader.Result> parsed = snapshot.files().parallelStream()
                .map((ManifestFile f) -> YamlReader.read(f.path(), f.content()))
                .toList();
        List<Document> documents = new ArrayList<>();
        parsed.forEach(r -> {
            problems.addAll(r.problems());
            documents.addAll(r.documents());
        });
        List<Checked> checked = documents.parallelStream().map(this::check).toList();

        Set<ResourceId> declared = new HashSet<>();
        Map<ResourceId, Document> firstDeclaration = new HashMap<>();
        List<Checked> usable = new ArrayList<>();
        for (Checked c : checked.stream().sorted(Comparator.comparing(c -> c.document().valueAt(""))).toList()) {
            problems.addAll(c.problems());
            if (c.kind() == null) {
                continue;
            }
            ResourceId id = id(c);
            if (id != null) {
                declared.add(id);
                Document first = firstDeclaration.putIfAbsent(id, c.document());
                if (first != null) {
                    problems.add(c.document().problem("/metadata/name", "duplicate " + describe(id) + " (first defined at "
                            + first.valueAt("/metadata/name") + ")"));
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
        for (Checked c : usable) {
            Document d = c.document();
            switch (c.kind()) {
                case Host -> hosts.add(new Declared<>(ModelReader.host(d), d));
                case VirtualNetwork -> networks.add(new Declared<>(ModelReader.network(d), d));
                case NetworkInterface -> nics.add(new Declared<>(ModelReader.networkInterface(d), d));
            }
        }
        new SemanticRules(declared, problems::add).check(hosts, networks, nics);

        Optional<Model> model = problems.isEmpty()
                ? Optional.of(Model.of(snapshot.revision(), resources(hosts), resources(networks), resources(nics)))
                : Optional.empty();
        return new ValidationResult(snapshot, documents.size(), problems, model);
    }

    private static <T> List<T> resources(List<Declared<T>> declared) {
        return declared.stream().map(Declared::resource).toList();
    }

    private static String describe(ResourceId id) {
        return id.kind() + " \"" + id.name() + "\"" + (id.namespace().isEmpty() ? "" : " in namespace " + id.namespace());
    }

    private static ResourceId id(Checked c) {
        String name = c.document().name();
        return name == null ? null : new ResourceId(c.kind(), ModelReader.namespace(c.document()), name);
    }

    private Checked check(Document document) {
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
            return new Checked(document, null, header);
        }
        return new Checked(document, kind.get(), schemas.validate(document, kind.get()));
    }

    private static String quote(Document document, String pointer) {
        return document.body().at(pointer).toString();
    }
}
