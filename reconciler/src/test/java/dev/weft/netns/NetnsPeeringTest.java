package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Virtual network peering with real packets: tenant-c's network green (10.3.0.0/16, VNI 5003, green-1 on host-c)
 * and tenant-a's blue (web-1 on host-a) peer when both tenants declare their half; tenant-b's red, peered with
 * neither, reaches nothing of green, and neither does tenant-a's mgmt, peered with blue only (peering is not transitive).
 * Needs root; in CI it must run.
 */
class NetnsPeeringTest extends NetnsLabTest {

    static final String GREEN = """
            ---
            apiVersion: weft.dev/v1alpha1
            kind: VirtualNetwork
            metadata: {name: green, namespace: tenant-c}
            spec:
              vni: 5003
              addressSpace: [10.3.0.0/16]
              subnets:
                - {name: apps, addressPrefix: 10.3.1.0/24}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: NetworkInterface
            metadata: {name: green-1, namespace: tenant-c}
            spec: {virtualNetwork: green, subnet: apps, host: host-c, ipAddress: 10.3.1.4}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: VirtualNetworkPeering
            metadata: {name: green-to-blue, namespace: tenant-c}
            spec: {virtualNetwork: green, remoteVirtualNetwork: {namespace: tenant-a, name: blue}}
            """;
    static final String BLUE_HALF = """
            ---
            apiVersion: weft.dev/v1alpha1
            kind: VirtualNetworkPeering
            metadata: {name: blue-to-green, namespace: tenant-a}
            spec: {virtualNetwork: blue, remoteVirtualNetwork: {namespace: tenant-c, name: green}}
            """;

    @Test
    void peeredNetworksReachEachOtherOnlyWhileBothHalvesAreDeclared() throws Exception {
        repo.write("tenants/tenant-c/green.yaml", GREEN.substring(GREEN.indexOf("apiVersion"))).commit("tenant-c, one half");
        reconciler = lab.start().reconciler;
        await().atMost(Duration.ofSeconds(20)).until(() -> Topology.quietly("ip", "netns", "exec", "tenant-c.green-1", "sh", "-c",
                "ip -4 addr show eth0 | grep -q 10.3.1.4")); // attached and configured by DHCP
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.3.1.4")).as("a one-sided peering carries nothing").isFalse();
        assertThat(reconciler.status().peerings()).containsEntry("tenant-c/green-to-blue", "Initiated");

        String both = repo.append("tenants/tenant-a/network.yaml", BLUE_HALF).commit("tenant-a's half").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(both) && reconciler.status().allSynced());
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsLab.pings("tenant-a.web-1", "10.3.1.4"));
        assertThat(NetnsLab.pings("tenant-c.green-1", "10.1.2.5")).as("the other way, to db-2 on host-a").isTrue();
        Process echo = NetnsLab.echoServer("tenant-c.green-1", 7000);
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> NetnsRoutingTest.connects("tenant-a.web-1", "10.3.1.4", 7000));
        } finally {
            echo.destroyForcibly();
        }
        assertThat(reconciler.status().peerings()).containsEntry("tenant-c/green-to-blue", "Connected").containsEntry("tenant-a/blue-to-green", "Connected");
        assertThat(NetnsLab.pings("tenant-b.app-1", "10.3.1.4")).as("tenant-b is peered with neither").isFalse();
        assertThat(NetnsLab.pings("tenant-a.jump-1", "10.1.1.4")).as("mgmt is peered with blue (manifests-example)").isTrue();
        assertThat(NetnsLab.pings("tenant-a.jump-1", "10.3.1.4")).as("mgmt ↔ blue ↔ green: peering is not transitive").isFalse();
        assertThat(NetnsLab.pings("tenant-c.green-1", "10.9.1.4")).as("nor the other way").isFalse();

        String oneSided = repo.replace("tenants/tenant-a/network.yaml", BLUE_HALF, "").commit("tenant-a withdraws").name();
        await().atMost(Duration.ofSeconds(20)).until(() -> reconciler.status().revision().equals(oneSided) && reconciler.status().allSynced());
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.3.1.4")).as("traffic stops with one half gone").isFalse();
    }
}
