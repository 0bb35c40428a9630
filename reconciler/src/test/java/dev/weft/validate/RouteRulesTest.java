package dev.weft.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RouteTable manifests: well-formed routes, a table that exists where a subnet names it, appliances that are forwarding NICs. */
class RouteRulesTest {

    @TempDir
    Path dir;

    Fixtures repo;

    static final String NETWORK = """
            apiVersion: weft.dev/v1alpha1
            kind: VirtualNetwork
            metadata: {name: blue, namespace: tenant-a}
            spec:
              vni: 5001
              addressSpace: [10.1.0.0/16]
              subnets:
                - {name: web, addressPrefix: 10.1.1.0/24}
                - {name: db, addressPrefix: 10.1.2.0/24, routeTable: via-fw}
            """;

    static String nic(String name, String ip, boolean forwarding) {
        return """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: NetworkInterface
                metadata: {name: %s, namespace: tenant-a}
                spec: {virtualNetwork: blue, subnet: web, host: host-a, ipAddress: %s, enableIPForwarding: %s}
                """.formatted(name, ip, forwarding);
    }

    static String table(String routes) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: RouteTable
                metadata: {name: via-fw, namespace: tenant-a}
                spec:
                  routes:
                """ + routes;
    }

    @BeforeEach
    void setUp() {
        repo = new Fixtures(dir).base();
        repo.write("net.yaml", NETWORK + nic("fw-1", "10.1.1.10", true) + nic("web-1", "10.1.1.4", false));
    }

    @Test
    void aValidTableGoesIntoTheModel() {
        repo.write("rt.yaml", table("""
                    - {name: web-through-fw, addressPrefix: 10.1.1.0/24, nextHopType: VirtualAppliance, nextHopIpAddress: 10.1.1.10}
                    - {name: blackhole, addressPrefix: 10.9.0.0/16, nextHopType: None}
                """));
        var model = repo.validate().model().orElseThrow();
        assertThat(model.routeTables().values()).singleElement().satisfies(t -> assertThat(t.routes()).hasSize(2));
        var blue = model.networks().firstEntry().getValue();
        assertThat(model.routes(blue, blue.subnet("db").orElseThrow())).hasSize(2);
        assertThat(model.routes(blue, blue.subnet("web").orElseThrow())).isEmpty();
    }

    @Test
    void badRoutesAreNamedByFileLineAndField() {
        repo.write("rt.yaml", table("""
                    - {name: a, addressPrefix: 10.1.1.7/24, nextHopType: None}
                    - {name: a, addressPrefix: 10.1.3.0/24, nextHopType: VirtualAppliance}
                    - {name: c, addressPrefix: 10.1.3.0/24, nextHopType: Internet, nextHopIpAddress: 10.1.1.10}
                    - {name: d, addressPrefix: 10.1.4.0/24, nextHopType: VirtualAppliance, nextHopIpAddress: 10.1.1.4}
                    - {name: e, addressPrefix: 10.1.5.0/24, nextHopType: VirtualAppliance, nextHopIpAddress: 10.1.1.99}
                    - {name: f, addressPrefix: 10.1.6.0/24, nextHopType: Somewhere}
                """));
        assertThat(repo.problems()).anySatisfy(p -> assertThat(p).startsWith("rt.yaml:11:").contains("spec.routes[5].nextHopType"));
        repo.write("rt.yaml", table("""
                    - {name: a, addressPrefix: 10.1.1.7/24, nextHopType: None}
                    - {name: a, addressPrefix: 10.1.3.0/24, nextHopType: VirtualAppliance}
                    - {name: c, addressPrefix: 10.1.3.0/24, nextHopType: Internet, nextHopIpAddress: 10.1.1.10}
                    - {name: d, addressPrefix: 10.1.4.0/24, nextHopType: VirtualAppliance, nextHopIpAddress: 10.1.1.4}
                    - {name: e, addressPrefix: 10.1.5.0/24, nextHopType: VirtualAppliance, nextHopIpAddress: 10.1.1.99}
                """));
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "rt.yaml:6:32: error: spec.routes[0].addressPrefix: 10.1.1.7/24 has host bits set; did you mean 10.1.1.0/24?",
                "rt.yaml:7:14: error: spec.routes[1].name: route \"a\" is declared twice in route table via-fw",
                "rt.yaml:7:7: error: spec.routes[1]: missing required field \"nextHopIpAddress\": a VirtualAppliance route names the appliance's address",
                "rt.yaml:8:32: error: spec.routes[2].addressPrefix: 10.1.3.0/24 is already the prefix of route \"a\"; one route per prefix",
                "rt.yaml:8:86: error: spec.routes[2].nextHopIpAddress: nextHopIpAddress is for VirtualAppliance routes only, not Internet",
                "rt.yaml:9:94: error: spec.routes[3].nextHopIpAddress: 10.1.1.4 is NetworkInterface web-1, which doesn't forward: set "
                        + "enableIPForwarding: true on it to make it a virtual appliance",
                "rt.yaml:10:94: error: spec.routes[4].nextHopIpAddress: 10.1.1.99 is not the address of a NetworkInterface in network blue (the "
                        + "table is attached to its subnet db); a virtual appliance is a NIC of the same network");
    }

    @Test
    void aSubnetsTableMustExist() {
        assertThat(repo.problems()).containsExactly("net.yaml:9:58: error: spec.subnets[1].routeTable: route table \"via-fw\" does not exist in namespace tenant-a");
    }
}
