package dev.weft.validate;

import static dev.weft.validate.Fixtures.nic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LogicalNetwork, PublicIPAddress and NatGateway manifests, the hosts' uplinks, and who uses which address, with exact locations. */
class NorthSouthRulesTest {

    @TempDir
    Path dir;

    Fixtures repo;

    static final String INTERNET = """
            apiVersion: weft.dev/v1alpha1
            kind: LogicalNetwork
            metadata: {name: internet}
            spec:
              subnets:
                - addressPrefix: 203.0.113.0/24
                  defaultGateway: 203.0.113.1
            """;

    /** Host host-a with an uplink, host-b a Gateway host with one. */
    static final String HOSTS = """
            apiVersion: weft.dev/v1alpha1
            kind: Host
            metadata: {name: host-a}
            spec:
              underlayAddress: 198.18.0.1
              uplink: {logicalNetwork: internet, interface: eth1}
            ---
            apiVersion: weft.dev/v1alpha1
            kind: Host
            metadata: {name: host-b}
            spec:
              underlayAddress: 198.18.0.2
              roles: [Gateway]
              uplink: {logicalNetwork: internet, interface: eth1}
            """;

    /** Four lines: ipAddress at 4:45. */
    static String publicIp(String namespace, String name, String address) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: PublicIPAddress
                metadata: {name: %s, namespace: %s}
                spec: {logicalNetwork: internet, ipAddress: %s}
                """.formatted(name, namespace, address);
    }

    static final String NAT = """
            apiVersion: weft.dev/v1alpha1
            kind: NatGateway
            metadata: {name: egress, namespace: tenant-a}
            spec: {publicIPAddresses: [egress-ip]}
            """;

    @BeforeEach
    void setUp() {
        repo = new Fixtures(dir).base();
        repo.write("internet.yaml", INTERNET);
        repo.write("hosts.yaml", HOSTS);
    }

    private void natSubnet() {
        repo.write("net.yaml", Fixtures.network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24") + "      natGateway: egress\n");
    }

    @Test
    void aPublicAddressANatGatewayAndTheirUsersAreValid() {
        repo.write("ips.yaml", publicIp("tenant-a", "web-ip", "203.0.113.10") + "---\n" + publicIp("tenant-a", "egress-ip", "203.0.113.20"));
        repo.write("nat.yaml", NAT);
        natSubnet();
        repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4") + "  publicIPAddress: web-ip\n");
        assertThat(repo.problems()).isEmpty();
        var model = repo.validate().model().orElseThrow();
        assertThat(model.publicIps()).hasSize(2);
        assertThat(model.natGateways()).hasSize(1);
        assertThat(model.hosts().get("host-b").gateway()).isTrue();
    }

    @Test
    void publicAddressesLieInsideTheirLogicalNetworkAreNotItsGatewayAndAreUniqueAcrossTenants() {
        repo.write("ips.yaml", publicIp("tenant-a", "outside", "198.51.100.1") + "---\n" + publicIp("tenant-a", "gw", "203.0.113.1")
                + "---\n" + publicIp("tenant-a", "a", "203.0.113.10") + "---\n" + publicIp("tenant-b", "b", "203.0.113.10"));
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "ips.yaml:4:45: error: spec.ipAddress: 198.51.100.1 is outside logical network internet (203.0.113.0/24)",
                "ips.yaml:9:45: error: spec.ipAddress: 203.0.113.1 is the default gateway of logical network internet",
                "ips.yaml:19:45: error: spec.ipAddress: 203.0.113.10 is already public IP address tenant-a/a (ips.yaml:14:45)");
    }

    @Test
    void referencesResolveInTheTenantAndANicNeedsAnUplinkWhereItsAddressIs() {
        repo.write("hosts.yaml", HOSTS.replace("  uplink: {logicalNetwork: internet, interface: eth1}\n---", "---"));
        repo.write("ips.yaml", publicIp("tenant-a", "web-ip", "203.0.113.10") + "---\n" + publicIp("tenant-b", "egress-ip", "203.0.113.20"));
        repo.write("nat.yaml", NAT);
        repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4") + "  publicIPAddress: web-ip\n---\n"
                + nic("web-2", "web", "02:00:0a:01:01:05", "10.1.1.5") + "  publicIPAddress: nope\n");
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "nics.yaml:10:20: error: spec.publicIPAddress: host host-a has no uplink on logical network internet, where web-ip (203.0.113.10) is",
                "nics.yaml:21:20: error: spec.publicIPAddress: public IP address \"nope\" does not exist in namespace tenant-a",
                "nat.yaml:4:28: error: spec.publicIPAddresses[0]: public IP address \"egress-ip\" does not exist in namespace tenant-a");
    }

    @Test
    void anAddressServesOneUserAndASubnetsNatGatewayNeedsAGatewayHost() {
        repo.write("hosts.yaml", HOSTS.replace("  roles: [Gateway]\n", ""));
        repo.write("ips.yaml", publicIp("tenant-a", "egress-ip", "203.0.113.20"));
        repo.write("nat.yaml", NAT);
        natSubnet();
        repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4") + "  publicIPAddress: egress-ip\n");
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "nat.yaml:4:28: error: spec.publicIPAddresses[0]: public IP address egress-ip is already used by interface web-1",
                "net.yaml:14:19: error: spec.subnets[1].natGateway: NAT gateway egress needs a host with roles: [Gateway] and an uplink on logical "
                        + "network internet; there is none");
    }

    @Test
    void aLogicalNetworksGatewayIsInsideItsPrefixAndUplinksNameALogicalNetwork() {
        repo.write("internet.yaml", INTERNET.replace("defaultGateway: 203.0.113.1", "defaultGateway: 198.51.100.1"));
        repo.write("hosts.yaml", HOSTS.replace("{logicalNetwork: internet, interface: eth1}\n---", "{logicalNetwork: dmz, interface: eth1}\n---"));
        repo.write("nat.yaml", NAT.replace("egress-ip", "missing"));
        repo.write("net.yaml", Fixtures.network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24") + "      natGateway: other\n");
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "internet.yaml:7:23: error: spec.subnets[0].defaultGateway: 198.51.100.1 is outside the logical network's prefix 203.0.113.0/24",
                "hosts.yaml:6:28: error: spec.uplink.logicalNetwork: logical network \"dmz\" does not exist",
                "nat.yaml:4:28: error: spec.publicIPAddresses[0]: public IP address \"missing\" does not exist in namespace tenant-a",
                "net.yaml:14:19: error: spec.subnets[1].natGateway: NAT gateway \"other\" does not exist in namespace tenant-a");
    }
}
