package dev.weft.validate;

import static dev.weft.validate.Fixtures.host;
import static dev.weft.validate.Fixtures.network;
import static dev.weft.validate.Fixtures.nic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One bad manifest per rule: the exact message and the exact file, line and column. */
class ValidationRulesTest {

    @TempDir
    Path dir;

    Fixtures repo;

    @BeforeEach
    void setUp() {
        repo = new Fixtures(dir).base();
    }

    @Test
    void theBaseFixtureIsValid() {
        repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4"));
        ValidationResult result = repo.validate();
        assertThat(result.problems()).isEmpty();
        assertThat(result.model()).hasValueSatisfying(m -> {
            assertThat(m.hosts()).containsOnlyKeys("host-a", "host-b");
            assertThat(m.interfaces()).hasSize(1);
        });
    }

    @Nested
    class Yaml {
        @Test
        void syntaxErrorNamesTheParsersLocation() {
            repo.write("bad.yaml", "apiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: [host-c}\n");
            assertThat(repo.problems()).containsExactly(
                    "bad.yaml:3:25: error: YAML syntax: expected ',' or ']', but got } (while parsing a flow sequence)");
        }

        @Test
        void anAliasBombIsAProblemNotAnOutOfMemory() {
            StringBuilder bomb = new StringBuilder("apiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: host-c}\nspec:\n");
            bomb.append("  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
            for (int level = 1; level <= 7; level++) { // 10^8 nodes if expanded, from 70 aliases
                bomb.append("  a").append(level).append(": &a").append(level).append(" [");
                for (int k = 0; k < 10; k++) {
                    bomb.append(k == 0 ? "" : ", ").append("*a").append(level - 1);
                }
                bomb.append("]\n");
            }
            repo.write("bomb.yaml", bomb.toString());
            assertThat(repo.problems()).singleElement().asString().startsWith("bomb.yaml:").contains("error: YAML: ")
                    .contains("aliases");
        }

        @Test
        void deepOrSelfContainingDocumentsAreProblemsNotStackOverflows() {
            repo.write("deep.yaml", "apiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: host-c}\nspec: "
                    + "[".repeat(200) + "]".repeat(200) + "\n");
            assertThat(repo.problems()).anySatisfy(p -> assertThat(p).startsWith("deep.yaml:4:").contains("nested deeper than 64 levels"));
            repo.delete("deep.yaml");
            repo.write("loop.yaml", "apiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: host-c}\nspec: &loop\n  self: *loop\n");
            assertThat(repo.problems()).anySatisfy(p -> assertThat(p).startsWith("loop.yaml:").containsAnyOf("nested deeper than 64 levels", "recursive"));
        }

        @Test
        void aFileTooLargeIsRefusedUnreadWithItsName() throws Exception {
            String line = "# padding padding padding padding padding padding padding padding padding padding padding\n";
            repo.write("huge.yaml", line.repeat((int) (dev.weft.source.ManifestFile.MAX_BYTES / line.length()) + 1));
            assertThat(repo.problems()).singleElement().asString()
                    .startsWith("huge.yaml:1:1: error: the file has ").contains("a manifest file may have; split it");
        }

        @Test
        void duplicateKeyPointsAtTheSecondKey() {
            repo.write("dup.yaml", """
                    apiVersion: weft.dev/v1alpha1
                    kind: Host
                    metadata: {name: host-c}
                    spec:
                      underlayAddress: 198.18.0.3
                      underlayAddress: 198.18.0.4
                    """);
            assertThat(repo.problems()).containsExactly(
                    "dup.yaml:6:3: error: spec.underlayAddress: duplicate key \"underlayAddress\" (first defined at line 5)");
        }

        @Test
        void aDocumentThatIsNotAMappingIsReported() {
            repo.write("list.yaml", "- a\n- b\n");
            assertThat(repo.problems()).containsExactly(
                    "list.yaml:1:1: error: a manifest must be a mapping with apiVersion, kind, metadata and spec, not a list");
        }

        @Test
        void emptyDocumentsAreIgnored() {
            repo.write("empty.yaml", "---\n# nothing here\n---\n");
            assertThat(repo.problems()).isEmpty();
        }
    }

    @Nested
    class Schema {
        @Test
        void unknownFieldSuggestsTheClosestKnownOne() {
            repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4").replace("ipAddress:", "ipAdress:"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:4:1: error: spec.ipAddress: missing required field \"ipAddress\"; run weft allocate --repo DIR --write to pick a free address and write it into the file",
                    "nics.yaml:9:3: error: spec.ipAdress: unknown field \"ipAdress\" (did you mean \"ipAddress\"?)");
        }

        @Test
        void unknownFieldWithoutACloseMatchListsTheAllowedFields() {
            repo.write("h.yaml", host("host-c", "198.18.0.3").replace("spec: {", "spec: {color: red, "));
            assertThat(repo.problems()).containsExactly(
                    "h.yaml:4:8: error: spec.color: unknown field \"color\" (allowed: agentEndpoint, outboundCapacityMbps, roles, underlayAddress, uplink)");
        }

        @Test
        void missingSpecIsReportedAtTheDocument() {
            repo.write("h.yaml", "apiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: host-c}\n");
            assertThat(repo.problems()).containsExactly("h.yaml:1:1: error: spec: missing required field \"spec\"");
        }

        @Test
        void wrongTypeNamesBothTypes() {
            repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4").replace("\"02:00:0a:01:01:04\"", "12"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:8:15: error: spec.macAddress: expected a string, found an integer 12");
        }

        @Test
        void udpReceiveCoalescingIsABoolean() {
            repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4") + "  udpReceiveCoalescing: yes please\n");
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:10:25: error: spec.udpReceiveCoalescing: expected a boolean, found a string \"yes please\"");
        }

        @Test
        void badIpv4Address() {
            repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.256"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:9:14: error: spec.ipAddress: \"10.1.1.256\" is not an IPv4 address like 10.1.1.4");
        }

        @Test
        void badCidr() {
            repo.write("net.yaml", network("tenant-a", "blue", 5001, "10.1.0.0/33", "10.1.1.0/24", "10.1.2.0/24"));
            assertThat(repo.problems()).containsExactly(
                    "net.yaml:8:18: error: spec.addressSpace[0]: \"10.1.0.0/33\" is not an IPv4 prefix in CIDR notation like 10.1.0.0/16");
        }

        @Test
        void badMacAddress() {
            repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01", "10.1.1.4"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:8:15: error: spec.macAddress: \"02:00:0a:01:01\" is not a MAC address like 02:00:0a:01:01:04");
        }

        @Test
        void nameMustBeADns1123Label() {
            repo.write("h.yaml", host("Host_C", "198.18.0.3"));
            assertThat(repo.problems()).containsExactly("h.yaml:3:18: error: metadata.name: \"Host_C\" is not a DNS-1123 label "
                    + "(lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)");
        }

        @Test
        void vniOutOfRange() {
            repo.write("net.yaml", network("tenant-a", "blue", 16777216, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
            assertThat(repo.problems()).containsExactly(
                    "net.yaml:7:8: error: spec.vni: 16777216 is out of range: must have a maximum value of 16777215");
        }

        @Test
        void encapsulationMustBeKnown() {
            repo.write("net.yaml", network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24")
                    .replace("  vni: 5001\n", "  vni: 5001\n  encapsulation: GENEVE\n"));
            assertThat(repo.problems()).containsExactly(
                    "net.yaml:8:18: error: spec.encapsulation: \"GENEVE\" is not one of VXLAN, NVGRE");
        }

        @Test
        void hostsHaveNoNamespace() {
            repo.write("h.yaml", host("host-c", "198.18.0.3").replace("{name: host-c}", "{name: host-c, namespace: tenant-a}"));
            assertThat(repo.problems()).containsExactly(
                    "h.yaml:3:26: error: metadata.namespace: unknown field \"namespace\" (allowed: labels, name)");
        }

        @Test
        void unknownApiVersion() {
            repo.write("h.yaml", host("host-c", "198.18.0.3").replace("weft.dev/v1alpha1", "weft.dev/v2"));
            assertThat(repo.problems()).containsExactly(
                    "h.yaml:1:13: error: apiVersion: unknown apiVersion \"weft.dev/v2\" (expected weft.dev/v1alpha1)");
        }

        @Test
        void unknownKind() {
            repo.write("h.yaml", host("host-c", "198.18.0.3").replace("kind: Host", "kind: Hots"));
            assertThat(repo.problems()).containsExactly(
                    "h.yaml:2:7: error: kind: unknown kind \"Hots\" (known kinds: Host, VirtualNetwork, NetworkInterface, NetworkSecurityGroup, LogicalNetwork, PublicIPAddress, NatGateway, LoadBalancer, VirtualNetworkPeering, RouteTable, VirtualNetworkTap)");
        }
    }

    @Nested
    class AcrossDocuments {
        @Test
        void duplicateNamePerKindAndNamespace() {
            repo.write("other.yaml", network("tenant-a", "blue", 5002, "10.2.0.0/16", "10.2.1.0/24", "10.2.2.0/24"));
            assertThat(repo.problems()).containsExactly(
                    "other.yaml:4:9: error: metadata.name: duplicate VirtualNetwork \"blue\" in namespace tenant-a (first defined at net.yaml:4:9)");
        }

        @Test
        void theSameNameInAnotherNamespaceOrKindIsFine() {
            repo.write("more.yaml", network("tenant-b", "blue", 5002, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
            repo.write("nics.yaml", nic("blue", "web", "02:00:0a:01:01:04", "10.1.1.4"));
            assertThat(repo.problems()).isEmpty();
        }

        @Test
        void namespaceDefaultsToDefault() {
            repo.write("more.yaml", network("default", "blue", 5002, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
            repo.write("more2.yaml", network("default", "blue", 5003, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24")
                    .replace("  namespace: default\n", ""));
            assertThat(repo.problems()).containsExactly(
                    "more2.yaml:4:9: error: metadata.name: duplicate VirtualNetwork \"blue\" in namespace default (first defined at more.yaml:4:9)");
        }

        @Test
        void nicReferencesAMissingNetwork() {
            repo.write("nics.yaml", nic("tenant-a", "web-1", "green", "web", "host-a", "02:00:0a:01:01:04", "10.1.1.4"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:5:19: error: spec.virtualNetwork: virtual network \"green\" does not exist in namespace tenant-a");
        }

        @Test
        void nicCannotUseAnotherTenantsNetwork() {
            repo.write("nics.yaml", nic("tenant-b", "web-1", "blue", "web", "host-a", "02:00:0a:01:01:04", "10.1.1.4"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:5:19: error: spec.virtualNetwork: virtual network \"blue\" does not exist in namespace tenant-b; "
                            + "a network interface can only use a virtual network of its own namespace (\"blue\" exists in tenant-a)");
        }

        @Test
        void nicReferencesAMissingSubnet() {
            repo.write("nics.yaml", nic("web-1", "app", "02:00:0a:01:01:04", "10.1.1.4"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:6:11: error: spec.subnet: virtual network blue has no subnet \"app\" (subnets: web, db)");
        }

        @Test
        void nicReferencesAMissingHost() {
            repo.write("nics.yaml", nic("tenant-a", "web-1", "blue", "web", "host-z", "02:00:0a:01:01:04", "10.1.1.4"));
            assertThat(repo.problems()).containsExactly("nics.yaml:7:9: error: spec.host: host \"host-z\" does not exist");
        }

        @Test
        void aReferenceToAResourceWithSchemaErrorsIsNotAlsoDangling() {
            repo.write("hosts.yaml", host("host-a", "198.18.0.1").replace("198.18.0.1", "nope"));
            repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4"));
            assertThat(repo.problems()).containsExactly(
                    "hosts.yaml:4:25: error: spec.underlayAddress: \"nope\" is not an IPv4 address like 10.1.1.4");
        }

        @Test
        void vniIsUniqueAcrossAllNetworks() {
            repo.write("other.yaml", network("tenant-b", "red", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
            assertThat(repo.problems()).containsExactly(
                    "other.yaml:7:8: error: spec.vni: VNI 5001 is already used by virtual network tenant-a/blue (net.yaml:7:8)");
        }

        @Test
        void subnetMustLieInsideTheAddressSpace() {
            repo.write("net.yaml", network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.9.2.0/24"));
            assertThat(repo.problems()).containsExactly(
                    "net.yaml:13:22: error: spec.subnets[1].addressPrefix: 10.9.2.0/24 of subnet db is outside the address space [10.1.0.0/16]");
        }

        @Test
        void siblingSubnetsMustNotOverlap() {
            repo.write("net.yaml", network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.0.0/23", "10.1.1.0/24"));
            assertThat(repo.problems()).containsExactly(
                    "net.yaml:13:22: error: spec.subnets[1].addressPrefix: 10.1.1.0/24 overlaps subnet web (10.1.0.0/23)");
        }

        @Test
        void subnetNamesAreUniqueInANetwork() {
            repo.write("net.yaml", network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24")
                    .replace("name: db", "name: web"));
            assertThat(repo.problems()).containsExactly(
                    "net.yaml:12:13: error: spec.subnets[1].name: duplicate subnet name \"web\" (also subnets[0])");
        }

        @Test
        void prefixWithHostBitsSuggestsTheNetwork() {
            repo.write("net.yaml", network("tenant-a", "blue", 5001, "10.1.3.0/16", "10.1.1.7/24", "10.1.2.0/24"));
            assertThat(repo.problems()).containsExactly(
                    "net.yaml:8:18: error: spec.addressSpace[0]: 10.1.3.0/16 has host bits set; did you mean 10.1.0.0/16?",
                    "net.yaml:11:22: error: spec.subnets[0].addressPrefix: 10.1.1.7/24 has host bits set; did you mean 10.1.1.0/24?");
        }

        @Test
        void nicAddressMustBeInsideItsSubnet() {
            repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.2.9"));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:9:14: error: spec.ipAddress: 10.1.2.9 is outside subnet web (10.1.1.0/24)");
        }

        @Test
        void nicAddressIsNotTheNetworkGatewayOrBroadcastAddress() {
            repo.write("nics.yaml", String.join("---\n",
                    nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.0"),
                    nic("web-2", "web", "02:00:0a:01:01:05", "10.1.1.1"),
                    nic("web-3", "web", "02:00:0a:01:01:06", "10.1.1.255")));
            String usable = "; use an address from 10.1.1.2 to 10.1.1.254";
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:9:14: error: spec.ipAddress: 10.1.1.0 is the network address of subnet web (10.1.1.0/24)" + usable,
                    "nics.yaml:19:14: error: spec.ipAddress: 10.1.1.1 is the gateway address of subnet web (10.1.1.0/24)" + usable,
                    "nics.yaml:29:14: error: spec.ipAddress: 10.1.1.255 is the broadcast address of subnet web (10.1.1.0/24)" + usable);
        }

        @Test
        void nicAddressIsUniqueWithinTheVirtualNetworkButMayRepeatInAnother() {
            repo.write("red.yaml", network("tenant-b", "red", 5002, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
            repo.write("nics.yaml", String.join("---\n",
                    nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4"),
                    nic("web-2", "web", "02:00:0a:01:01:05", "10.1.1.4"),
                    nic("tenant-b", "app-1", "red", "web", "host-b", "02:01:0a:01:01:04", "10.1.1.4")));
            assertThat(repo.problems()).containsExactly(
                    "nics.yaml:19:14: error: spec.ipAddress: 10.1.1.4 is already the address of interface web-1 in virtual network blue (nics.yaml:9:14)");
        }

        @Test
        void macMustBeUnicast() {
            repo.write("nics.yaml", nic("web-1", "web", "01:00:5e:00:00:01", "10.1.1.4"));
            assertThat(repo.problems()).containsExactly("nics.yaml:8:15: error: spec.macAddress: 01:00:5e:00:00:01 is a multicast address; "
                    + "an interface needs a unicast MAC (the least significant bit of the first octet clear)");
        }

        @Test
        void twoInterfacesOnOneHostWhoseTapDevicesWouldShareANameAreRefused() {
            // "tenant-a/vm-20000" and "tenant-a/vm-29306736" have the same 32-bit String hash, so the same TAP name
            repo.write("nics.yaml", String.join("---\n",
                    nic("vm-20000", "web", "02:00:0a:01:01:04", "10.1.1.4"),
                    nic("vm-29306736", "web", "02:00:0a:01:01:05", "10.1.1.5")));
            assertThat(repo.problems()).containsExactly("nics.yaml:13:18: error: metadata.name: on host host-a the TAP device of "
                    + "tenant-a/vm-29306736 would be wft61acb38d, the same as that of tenant-a/vm-20000 (nics.yaml:3:18); "
                    + "rename one of them or move it to another host");
            repo.write("nics.yaml", String.join("---\n",
                    nic("vm-20000", "web", "02:00:0a:01:01:04", "10.1.1.4"),
                    nic("tenant-a", "vm-29306736", "blue", "web", "host-b", "02:00:0a:01:01:05", "10.1.1.5")));
            assertThat(repo.problems()).as("on different hosts they don't meet").isEmpty();
        }

        @Test
        void dhcpDnsServersMustBeAddresses() {
            repo.write("net.yaml", network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24")
                    .replace("  addressSpace:", "  dhcpOptions: {dnsServers: [10.1.0.53, 10.1.0.999]}\n  addressSpace:"));
            assertThat(repo.problems()).singleElement().asString().startsWith("net.yaml:").contains("spec.dhcpOptions.dnsServers[1]")
                    .contains("10.1.0.999");
        }

        @Test
        void withoutAMacAnInterfaceGetsAStableLocallyAdministeredOneAndACollisionIsNamed() {
            String noMac = nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4").replace("  macAddress: \"02:00:0a:01:01:04\"\n", "");
            repo.write("nics.yaml", noMac);
            var mac = repo.validate().model().orElseThrow().interfaces().values().iterator().next().macAddress();
            assertThat(mac).isEqualTo(dev.weft.model.NetworkInterface.derivedMac("tenant-a", "web-1"));
            assertThat(mac.toString()).startsWith("02:");
            assertThat(mac.isUnicast()).isTrue();
            assertThat(repo.validate().model().orElseThrow().interfaces().values().iterator().next().macAddress()).as("the same every run")
                    .isEqualTo(mac);
            assertThat(dev.weft.model.NetworkInterface.derivedMac("tenant-a", "web-2")).isNotEqualTo(mac);

            repo.write("nics.yaml", String.join("---\n", nic("web-0", "web", mac.toString(), "10.1.1.5"), noMac));
            assertThat(repo.problems()).containsExactly("nics.yaml:13:18: error: metadata.name: the MAC address derived for it, " + mac
                    + ", is already the MAC address of interface tenant-a/web-0 (nics.yaml:8:15); set spec.macAddress");
        }

        @Test
        void macMustBeUniqueAcrossAllInterfaces() {
            repo.write("red.yaml", network("tenant-b", "red", 5002, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
            repo.write("nics.yaml", String.join("---\n",
                    nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4"),
                    nic("tenant-b", "app-1", "red", "web", "host-b", "02:00:0A:01:01:04", "10.1.1.4")));
            assertThat(repo.problems()).containsExactly("nics.yaml:18:15: error: spec.macAddress: 02:00:0a:01:01:04 is already the MAC address "
                    + "of interface tenant-a/web-1 (nics.yaml:8:15)");
        }

        @Test
        void hostUnderlayAddressesAreUnique() {
            repo.write("more-hosts.yaml", host("host-c", "198.18.0.1"));
            assertThat(repo.problems()).containsExactly(
                    "more-hosts.yaml:4:25: error: spec.underlayAddress: 198.18.0.1 is already the underlay address of host host-a (hosts.yaml:4:25)");
        }
    }

    @Test
    void everyErrorIsReportedSortedByFileAndLine() {
        repo.write("z.yaml", host("host-c", "198.18.0.1"));
        repo.write("a/nics.yaml", String.join("---\n",
                nic("web-1", "web", "02:00:0a:01:01:04", "10.1.7.4"),
                nic("tenant-a", "web-2", "blue", "web", "host-q", "02:00:0a:01:01:05", "10.1.1.5")));
        repo.write("m.yaml", "kind: [\n");
        assertThat(repo.problems()).containsExactly(
                "a/nics.yaml:9:14: error: spec.ipAddress: 10.1.7.4 is outside subnet web (10.1.1.0/24)",
                "a/nics.yaml:17:9: error: spec.host: host \"host-q\" does not exist",
                "m.yaml:2:1: error: YAML syntax: expected the node content, but found '<stream end>' (while parsing a flow node)",
                "z.yaml:4:25: error: spec.underlayAddress: 198.18.0.1 is already the underlay address of host host-a (hosts.yaml:4:25)");
        assertThat(repo.validate().model()).isEmpty();
    }
}
