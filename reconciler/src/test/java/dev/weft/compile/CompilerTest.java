package dev.weft.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.contract.HostObject;
import dev.weft.contract.ObjectKey;
import dev.weft.contract.ObjectKind;
import dev.weft.contract.PortSpec;
import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import dev.weft.net.Ipv4;
import dev.weft.plan.Differ;
import dev.weft.plan.HostChange;
import dev.weft.source.DirectorySource;
import dev.weft.validate.Validator;
import java.nio.file.Path;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class CompilerTest {

    static Model example() throws Exception {
        Path root = Path.of("..", "manifests-example");
        return new Validator().validate(new DirectorySource("manifests-example", root).read(null)).model().orElseThrow();
    }

    private static String dump(Compiled compiled) {
        StringBuilder out = new StringBuilder();
        for (String host : compiled.hostNames()) {
            out.append(host).append(' ').append(compiled.digest(host)).append('\n');
            compiled.slice(host).values().forEach(o -> out.append("  ").append(o).append('\n'));
        }
        return out.toString();
    }

    @Test
    void eachHostGetsItsPortsAndTheNetworksAndMappingsOfNetworksItHasPortsIn() throws Exception {
        Compiled compiled = Compiler.compile(example());
        Map<ObjectKind, Long> hostA = compiled.slice("host-a").keySet().stream()
                .collect(Collectors.groupingBy(ObjectKey::kind, TreeMap::new, Collectors.counting()));
        // host-a has web-1 and db-2 (tenant-a/blue) and app-1 (tenant-b/red): both networks and blue's peer mgmt, all 10 mappings; its uplink, web-1's
        // public address, db-2's subnet's NAT gateway, and web-lb (its NICs are clients of the frontend in blue).
        assertThat(hostA).isEqualTo(Map.of(ObjectKind.Network, 3L, ObjectKind.Port, 3L, ObjectKind.Mapping, 10L, ObjectKind.Uplink, 1L,
                ObjectKind.PublicIp, 1L, ObjectKind.NatGateway, 1L, ObjectKind.LoadBalancer, 1L));
        PortSpec web1 = compiled.slice("host-a").get(new ObjectKey(ObjectKind.Port, "tenant-a/web-1")).spec(PortSpec.class);
        assertThat(web1.vni()).isEqualTo(5001);
        assertThat(web1.gateway()).hasToString("10.1.1.1");
        assertThat(web1.subnet()).hasToString("10.1.1.0/24");
        HostObject mapping = compiled.slice("host-b").get(new ObjectKey(ObjectKind.Mapping, "5002/10.1.1.4"));
        assertThat(mapping.canonicalSpec()).isEqualTo(
                "{\"encapsulation\":\"VXLAN\",\"ip\":\"10.1.1.4\",\"mac\":\"02:01:0a:01:01:04\",\"name\":\"app-1\",\"providerAddress\":\"198.18.0.1\",\"vni\":5002}");
    }

    @Test
    void compilationIsDeterministic() throws Exception {
        String first = dump(Compiler.compile(example()));
        String second = dump(Compiler.compile(example()));
        assertThat(second).isEqualTo(first);
        Model model = example();
        Model reordered = Model.of(model.revision(), model.hosts().descendingMap().values().stream().toList(),
                model.networks().descendingMap().values().stream().toList(), model.interfaces().descendingMap().values().stream().toList(),
                model.securityGroups().descendingMap().values().stream().toList(), model.logicalNetworks().descendingMap().values().stream().toList(),
                model.publicIps().descendingMap().values().stream().toList(), model.natGateways().descendingMap().values().stream().toList(),
                model.loadBalancers().descendingMap().values().stream().toList(), model.peerings().descendingMap().values().stream().toList(),
                model.routeTables().descendingMap().values().stream().toList());
        assertThat(dump(Compiler.compile(reordered))).isEqualTo(first);
    }

    @Test
    void aOneNicChangeTouchesExactlyTheHostsThatShareItsVirtualNetwork() throws Exception {
        Model before = example();
        NavigableMap<dev.weft.model.ResourceId, NetworkInterface> nics = new TreeMap<>(before.interfaces());
        NetworkInterface app2 = nics.values().stream().filter(n -> n.name().equals("app-2")).findFirst().orElseThrow();
        // tenant-b/red has ports on host-a (app-1), host-b (data-1) and host-c (app-2, data-2); change app-2's address.
        NetworkInterface moved = new NetworkInterface(app2.namespace(), app2.name(), app2.labels(), app2.virtualNetwork(), app2.subnet(),
                app2.host(), app2.macAddress(), Ipv4.parse("10.1.1.9"));
        nics.put(moved.id(), moved);
        Model after = before.withInterfaces("after", nics);
        Compiled compiled = Compiler.compile(before);
        var changes = Differ.hosts(compiled, Compiler.update(compiled, after));
        assertThat(changes).extracting(HostChange::host).containsExactly("host-a", "host-b", "host-c");
        assertThat(changes.get(0).objects()).extracting(o -> o.op() + " " + o.id())
                .containsExactly("delete Mapping 5002/10.1.1.5", "upsert Mapping 5002/10.1.1.9");
        assertThat(changes.get(2).objects()).extracting(o -> o.op() + " " + o.id())
                .containsExactly("upsert Port tenant-b/app-2", "delete Mapping 5002/10.1.1.5", "upsert Mapping 5002/10.1.1.9");

        // Without data-1, red has no port on host-b: a change to app-1 leaves host-b alone.
        NavigableMap<dev.weft.model.ResourceId, NetworkInterface> fewer = new TreeMap<>(before.interfaces());
        fewer.values().removeIf(n -> n.name().equals("data-1"));
        Model narrow = before.withInterfaces("narrow", fewer);
        NavigableMap<dev.weft.model.ResourceId, NetworkInterface> changed = new TreeMap<>(fewer);
        NetworkInterface app1 = changed.values().stream().filter(n -> n.name().equals("app-1")).findFirst().orElseThrow();
        changed.put(app1.id(), new NetworkInterface(app1.namespace(), app1.name(), Map.of("new", "label"), app1.virtualNetwork(),
                app1.subnet(), app1.host(), app1.macAddress(), Ipv4.parse("10.1.1.20")));
        Compiled narrowCompiled = Compiler.compile(narrow);
        assertThat(Differ.hosts(narrowCompiled, Compiler.update(narrowCompiled, before.withInterfaces("changed", changed))))
                .extracting(HostChange::host).containsExactly("host-a", "host-c");
    }

    @Test
    void aNicWithAPublicAddressAndNoSecurityGroupGetsTheDefaultRulesSoTheInternetCannotOpenConnectionsToIt() throws Exception {
        Model model = example();
        NavigableMap<dev.weft.model.ResourceId, NetworkInterface> nics = new TreeMap<>(model.interfaces());
        NetworkInterface web1 = nics.values().stream().filter(n -> n.name().equals("web-1")).findFirst().orElseThrow();
        nics.put(web1.id(), new NetworkInterface(web1.namespace(), web1.name(), web1.labels(), web1.virtualNetwork(), web1.subnet(), web1.host(),
                web1.macAddress(), web1.ipAddress(), java.util.Optional.empty(), web1.publicIPAddress()));
        PortSpec port = Compiler.compile(model.withInterfaces("no-nsg", nics)).slice("host-a")
                .get(new ObjectKey(ObjectKind.Port, "tenant-a/web-1")).spec(PortSpec.class);
        assertThat(port.security().inbound()).singleElement().satisfies(layer -> {
            assertThat(layer.group()).isEqualTo("tenant-a/public-ip-defaults");
            assertThat(layer.rules()).extracting(dev.weft.contract.SecurityRule::name).containsExactly("AllowVnetInBound", "DenyAllInBound");
        });
        PortSpec db2 = Compiler.compile(model).slice("host-a").get(new ObjectKey(ObjectKind.Port, "tenant-a/db-2")).spec(PortSpec.class);
        assertThat(db2.security().inbound()).as("without a public address, no group means no filter").isEmpty();
    }
}
