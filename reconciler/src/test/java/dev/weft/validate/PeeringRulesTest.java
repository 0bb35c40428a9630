package dev.weft.validate;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** VirtualNetworkPeering manifests: both networks exist, address spaces don't overlap, and the state each half is in. */
class PeeringRulesTest {

    @TempDir
    Path dir;

    Fixtures repo;

    static String peering(String namespace, String name, String network, String remoteNamespace, String remote) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: VirtualNetworkPeering
                metadata: {name: %s, namespace: %s}
                spec: {virtualNetwork: %s, remoteVirtualNetwork: {namespace: %s, name: %s}}
                """.formatted(name, namespace, network, remoteNamespace, remote);
    }

    @BeforeEach
    void setUp() {
        repo = new Fixtures(dir).base();
        repo.write("red.yaml", Fixtures.network("tenant-b", "red", 5002, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
        repo.write("green.yaml", Fixtures.network("tenant-c", "green", 5003, "10.3.0.0/16", "10.3.1.0/24", "10.3.2.0/24"));
    }

    @Test
    void overlappingAddressSpacesCantPeerAndTheMessageNamesBoth() {
        repo.write("p.yaml", peering("tenant-a", "blue-to-red", "blue", "tenant-b", "red"));
        assertThat(repo.problems()).containsExactly("p.yaml:4:52: error: spec.remoteVirtualNetwork: address spaces overlap: 10.1.0.0/16 of tenant-a/blue "
                + "(net.yaml:8:17) and 10.1.0.0/16 of tenant-b/red (red.yaml:8:17); peered networks need distinct addresses");
    }

    @Test
    void aHalfIsInitiatedUntilTheOtherTenantDeclaresItsOwn() {
        repo.write("p.yaml", peering("tenant-a", "blue-to-green", "blue", "tenant-c", "green"));
        var model = repo.validate().model().orElseThrow();
        assertThat(model.peerings().values()).singleElement().satisfies(p -> assertThat(p.connected()).isFalse());
        repo.write("q.yaml", peering("tenant-c", "green-to-blue", "green", "tenant-a", "blue"));
        model = repo.validate().model().orElseThrow();
        assertThat(model.peerings().values()).allSatisfy(p -> assertThat(p.connected()).isTrue());
        assertThat(model.activePeers(model.networks().firstKey())).hasSize(1);
        repo.write("r.yaml", peering("tenant-a", "to-nowhere", "blue", "tenant-x", "nope"));
        assertThat(repo.problems()).containsExactly("r.yaml:4:52: error: spec.remoteVirtualNetwork: virtual network tenant-x/nope does not exist");
    }
}
