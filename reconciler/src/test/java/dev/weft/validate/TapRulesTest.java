package dev.weft.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VirtualNetworkTap and qosSettings manifests: errors name the file, line and field. */
class TapRulesTest {

    @TempDir
    Path dir;

    Fixtures repo;

    static String nic(String namespace, String name, String network, String ip) {
        return """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: NetworkInterface
                metadata: {name: %s, namespace: %s}
                spec: {virtualNetwork: %s, subnet: web, host: host-a, ipAddress: %s}
                """.formatted(name, namespace, network, ip);
    }

    static String tap(String sources, String destination) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: VirtualNetworkTap
                metadata: {name: capture, namespace: tenant-a}
                spec:
                  sources: %s
                  destination: {networkInterface: %s}
                """.formatted(sources, destination);
    }

    @BeforeEach
    void setUp() {
        repo = new Fixtures(dir).base();
        repo.write("green.yaml", Fixtures.network("tenant-a", "green", 5003, "10.3.0.0/16", "10.3.1.0/24", "10.3.2.0/24"));
        repo.write("red.yaml", Fixtures.network("tenant-b", "red", 5002, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
        repo.write("nics.yaml", nic("tenant-a", "web-1", "blue", "10.1.1.4") + nic("tenant-a", "web-2", "blue", "10.1.1.5")
                + nic("tenant-a", "collector", "blue", "10.1.1.9") + nic("tenant-a", "g-1", "green", "10.3.1.4") + nic("tenant-b", "spy", "red", "10.1.1.7"));
    }

    @Test
    void aValidTapGoesIntoTheModelWithDefaults() {
        repo.write("t.yaml", tap("[web-1, web-2]", "collector"));
        var model = repo.validate().model().orElseThrow();
        var t = model.taps().values().iterator().next();
        assertThat(t.direction()).isEqualTo(dev.weft.model.VirtualNetworkTap.Direction.Both);
        assertThat(t.port()).isEqualTo(4789);
        assertThat(model.tapsOf(model.interfaces().keySet().stream().filter(id -> id.name().equals("web-1")).findFirst().orElseThrow())).hasSize(1);
    }

    @Test
    void sourcesAndDestinationAreTheTenantsOwnNicsOfOneNetwork() {
        repo.write("t.yaml", tap("[web-1, web-1, g-1, spy]", "collector"));
        assertThat(repo.problems()).containsExactly(
                "t.yaml:5:20: error: spec.sources[1]: web-1 is listed twice",
                "t.yaml:5:27: error: spec.sources[2]: g-1 is in network green, the destination collector in blue: a tap's collector is in its sources' network",
                "t.yaml:5:32: error: spec.sources[3]: network interface \"spy\" does not exist in namespace tenant-a");
        repo.write("t.yaml", tap("[web-1]", "web-1"));
        assertThat(repo.problems()).containsExactly("t.yaml:6:35: error: spec.destination.networkInterface: web-1 is a source of a tap: a collector's own traffic is not mirrored");
        repo.write("t.yaml", tap("[web-1]", "nobody"));
        assertThat(repo.problems()).containsExactly("t.yaml:6:35: error: spec.destination.networkInterface: network interface \"nobody\" does not exist in namespace tenant-a");
    }

    @Test
    void aRateLimitOfZeroIsRefusedAtItsField() {
        repo.write("q.yaml", """
                apiVersion: weft.dev/v1alpha1
                kind: NetworkInterface
                metadata: {name: web-9, namespace: tenant-a}
                spec:
                  virtualNetwork: blue
                  subnet: web
                  host: host-a
                  ipAddress: 10.1.1.20
                  qosSettings: {outboundMaximumMbps: 0}
                """);
        assertThat(repo.problems()).singleElement().asString().startsWith("q.yaml:9:38: error: spec.qosSettings.outboundMaximumMbps:");
    }

    @Test
    void aReservationIsAShareOfItsHostsCapacity() {
        String nic = """
                apiVersion: weft.dev/v1alpha1
                kind: NetworkInterface
                metadata: {name: web-9, namespace: tenant-a}
                spec:
                  virtualNetwork: blue
                  subnet: web
                  host: host-a
                  ipAddress: 10.1.1.20
                  qosSettings: {outboundReservedMbps: 200, outboundMaximumMbps: 100}
                """;
        repo.write("q.yaml", nic);
        assertThat(repo.problems()).containsExactly(
                "q.yaml:9:39: error: spec.qosSettings.outboundReservedMbps: 200 Mbit/s reserved is more than the interface may send (outboundMaximumMbps 100)",
                "q.yaml:9:39: error: spec.qosSettings.outboundReservedMbps: host host-a has no outboundCapacityMbps: a reservation is a share of it");
        repo.write("hosts.yaml", Fixtures.host("host-a", "198.18.0.1").replace("198.18.0.1}", "198.18.0.1, outboundCapacityMbps: 300}") + "---\n" + Fixtures.host("host-b", "198.18.0.2"));
        repo.write("q.yaml", nic.replace(", outboundMaximumMbps: 100", "") + "---\n" + nic.replace("web-9", "web-8").replace("10.1.1.20", "10.1.1.21")
                .replace(", outboundMaximumMbps: 100", ""));
        assertThat(repo.problems()).containsExactly("q.yaml:19:39: error: spec.qosSettings.outboundReservedMbps: the reservations on host host-a come to "
                + "400 Mbit/s with this one, more than its outboundCapacityMbps 300");
    }
}
