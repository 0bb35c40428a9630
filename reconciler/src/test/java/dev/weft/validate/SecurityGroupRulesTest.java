package dev.weft.validate;

import static dev.weft.validate.Fixtures.nic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NetworkSecurityGroup manifests: the rules' own checks and the references to groups, with exact locations. */
class SecurityGroupRulesTest {

    @TempDir
    Path dir;

    Fixtures repo;

    /** Seven header lines, then the rules (each six lines: name at 8:13, priority at 9:17, destinationPortRanges at 13:30 for the first). */
    static String group(String rules) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: NetworkSecurityGroup
                metadata:
                  name: web-nsg
                  namespace: tenant-a
                spec:
                  securityRules:
                """ + rules;
    }

    static final String ALLOW_HTTP = """
                - name: allow-http
                  priority: 100
                  direction: Inbound
                  action: Allow
                  protocol: TCP
                  destinationPortRanges: ["80", "8000-8100"]
            """;

    @BeforeEach
    void setUp() {
        repo = new Fixtures(dir).base();
    }

    @Test
    void aValidGroupAttachedToASubnetAndAnInterface() {
        repo.write("nsg.yaml", group(ALLOW_HTTP));
        repo.write("net.yaml", Fixtures.network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24")
                .replace("      addressPrefix: 10.1.1.0/24\n", "      addressPrefix: 10.1.1.0/24\n      networkSecurityGroup: web-nsg\n"));
        repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4") + "  networkSecurityGroup: web-nsg\n");
        assertThat(repo.problems()).isEmpty();
        assertThat(repo.validate().model().orElseThrow().securityGroups()).hasSize(1);
    }

    @Test
    void prioritiesAreUniquePerDirectionAndNamesUniqueInTheGroup() {
        repo.write("nsg.yaml", group(ALLOW_HTTP + ALLOW_HTTP.replace("destinationPortRanges: [\"80\", \"8000-8100\"]", "destinationPortRanges: [\"443\"]")
                + ALLOW_HTTP.replace("allow-http", "out-http").replace("Inbound", "Outbound")));
        assertThat(repo.problems()).containsExactly(
                "nsg.yaml:14:13: error: spec.securityRules[1].name: duplicate rule name \"allow-http\" (also securityRules[0])",
                "nsg.yaml:15:17: error: spec.securityRules[1].priority: priority 100 is already used by Inbound rule allow-http; priorities are unique per direction");
    }

    @Test
    void aPortRangeThatStartsAfterItEndsSuggestsTheRightOne() {
        repo.write("nsg.yaml", group(ALLOW_HTTP.replace("8000-8100", "8100-8000")));
        assertThat(repo.problems()).containsExactly(
                "nsg.yaml:13:37: error: spec.securityRules[0].destinationPortRanges[1]: 8100-8000 starts after it ends; did you mean 8000-8100?");
    }

    @Test
    void malformedPortsPrefixesAndPrioritiesAreSchemaErrors() {
        repo.write("nsg.yaml", group(ALLOW_HTTP.replace("8000-8100", "70000").replace("priority: 100", "priority: 99")
                + "      sourceAddressPrefixes: [\"10.1.1.7/24\", \"Internet\"]\n"));
        assertThat(repo.problems()).containsExactly(
                "nsg.yaml:9:17: error: spec.securityRules[0].priority: 99 is out of range: must have a minimum value of 100",
                "nsg.yaml:13:37: error: spec.securityRules[0].destinationPortRanges[1]: \"70000\" is not a port (80), a range (8000-8100) or *, with ports up to 65535",
                "nsg.yaml:14:46: error: spec.securityRules[0].sourceAddressPrefixes[1]: \"Internet\" is not an IPv4 prefix in CIDR notation, * or VirtualNetwork");
    }

    @Test
    void aPrefixWithHostBitsSuggestsTheNetwork() {
        repo.write("nsg.yaml", group(ALLOW_HTTP + "      sourceAddressPrefixes: [\"10.1.1.7/24\"]\n"));
        assertThat(repo.problems()).containsExactly(
                "nsg.yaml:14:31: error: spec.securityRules[0].sourceAddressPrefixes[0]: 10.1.1.7/24 has host bits set; did you mean 10.1.1.0/24?");
    }

    @Test
    void referencesToGroupsResolveInTheNamespace() {
        repo.write("nsg.yaml", group(ALLOW_HTTP).replace("namespace: tenant-a", "namespace: tenant-b"));
        repo.write("net.yaml", Fixtures.network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24")
                .replace("      addressPrefix: 10.1.1.0/24\n", "      addressPrefix: 10.1.1.0/24\n      networkSecurityGroup: web-nsg\n"));
        repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4") + "  networkSecurityGroup: db-nsg\n");
        assertThat(repo.problems()).containsExactly(
                "net.yaml:12:29: error: spec.subnets[0].networkSecurityGroup: network security group \"web-nsg\" does not exist in namespace tenant-a",
                "nics.yaml:10:25: error: spec.networkSecurityGroup: network security group \"db-nsg\" does not exist in namespace tenant-a");
    }
}
