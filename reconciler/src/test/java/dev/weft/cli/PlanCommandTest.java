package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class PlanCommandTest {

    private static final Path GOLDEN = Path.of("src", "test", "resources", "golden");

    @TempDir
    Path dir;

    ExampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        repo = new ExampleRepo(dir);
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    /** A realistic pull request: a NIC added, one removed, one moved, a subnet widened, a host added. */
    private void realisticChange() throws Exception {
        repo.branch("change")
                .append("tenants/tenant-a/nics.yaml", """
                        ---
                        apiVersion: weft.dev/v1alpha1
                        kind: NetworkInterface
                        metadata: {name: web-3, namespace: tenant-a, labels: {tier: web}}
                        spec:
                          virtualNetwork: blue
                          subnet: web
                          host: host-c
                          macAddress: "02:00:0a:01:01:06"
                          ipAddress: 10.1.1.6
                        """)
                .replace("tenants/tenant-a/nics.yaml", "  subnet: db\n  host: host-a\n", "  subnet: db\n  host: host-b\n")
                .replace("tenants/tenant-b/network.yaml", "addressPrefix: 10.1.2.0/24", "addressPrefix: 10.1.2.0/23")
                .replace("tenants/tenant-b/nics.yaml", """
                        ---
                        apiVersion: weft.dev/v1alpha1
                        kind: NetworkInterface
                        metadata: {name: data-2, namespace: tenant-b}
                        spec:
                          virtualNetwork: red
                          subnet: data
                          host: host-c
                          macAddress: "02:01:0a:01:02:05"
                          ipAddress: 10.1.2.5
                        """, "")
                .append("hosts/rack-2.yaml", """
                        ---
                        apiVersion: weft.dev/v1alpha1
                        kind: Host
                        metadata:
                          name: host-d
                          labels: {rack: r2}
                        spec:
                          underlayAddress: 198.18.1.2
                        """)
                .commit("grow tenant-a, widen tenant-b's data subnet");
    }

    private CliRun plan(String... more) {
        String[] args = new String[3 + more.length];
        args[0] = "plan";
        args[1] = "--repo";
        args[2] = dir.toString();
        System.arraycopy(more, 0, args, 3, more.length);
        return CliRun.of(args);
    }

    private static void assertGolden(String name, String actual) throws Exception {
        Path file = GOLDEN.resolve(name);
        if (Boolean.getBoolean("weft.updateGolden")) {
            Files.writeString(file, actual);
        }
        assertThat(actual).isEqualTo(Files.readString(file));
    }

    @Test
    void textGolden() throws Exception {
        realisticChange();
        CliRun run = plan("--base", "main", "--head", "change", "--no-color");
        assertThat(run.exitCode()).isZero();
        assertGolden("plan.txt", run.out());
    }

    @Test
    void markdownGolden() throws Exception {
        realisticChange();
        CliRun run = plan("--base", "main", "--head", "change", "--output", "markdown");
        assertThat(run.exitCode()).isZero();
        assertGolden("plan.md", run.out());
        assertThat(run.out()).startsWith("<!-- weft-plan -->\n");
    }

    @Test
    void jsonGolden() throws Exception {
        realisticChange();
        CliRun run = plan("--base", "main", "--head", "change", "--output", "json");
        assertThat(run.exitCode()).isZero();
        assertGolden("plan.json", run.out());
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.at("/summary/resources/add").asInt()).isEqualTo(2);
        assertThat(json.at("/summary/resources/change").asInt()).isEqualTo(2);
        assertThat(json.at("/summary/resources/remove").asInt()).isEqualTo(1);
    }

    @Test
    void defaultsPlanTheCheckedOutBranchAgainstWhereItForkedFromMain() throws Exception {
        realisticChange();
        repo.checkout("main").append("hosts/rack-1.yaml", """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: Host
                metadata: {name: host-e}
                spec: {underlayAddress: 198.18.0.9}
                """).commit("main moves on");
        repo.checkout("change");
        CliRun run = plan("--output", "json");
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        // host-e was added on main after the fork: it is not part of this pull request's plan.
        assertThat(run.out()).doesNotContain("host-e");
        assertThat(json.at("/summary/resources/add").asInt()).isEqualTo(2);
    }

    @Test
    void detailedExitCode() throws Exception {
        realisticChange();
        assertThat(plan("--base", "main", "--head", "change", "--detailed-exitcode").exitCode()).isEqualTo(2);
        CliRun none = plan("--base", "change", "--head", "change", "--detailed-exitcode", "--no-color");
        assertThat(none.exitCode()).isZero();
        assertThat(none.out()).contains("No changes.");
    }

    @Test
    void turningUdpReceiveCoalescingOffShowsOnTheNicAndItsHostsPort() throws Exception {
        repo.branch("datagrams").replace("tenants/tenant-a/nics.yaml", "  ipAddress: 10.1.1.5\n  udpReceiveCoalescing: true\n",
                "  ipAddress: 10.1.1.5\n").commit("web-2 takes every datagram as its own frame");
        CliRun run = plan("--base", "main", "--head", "datagrams", "--no-color");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("~ NetworkInterface tenant-a/web-2\n      udpReceiveCoalescing: true → (none)",
                "~ host-b  (0 to add, 1 to change, 0 to remove)\n      ~ Port tenant-a/web-2\n          udpCoalescing: true → false",
                "1 of 3 hosts affected").doesNotContain("host-a");
    }

    @Test
    void anInvalidHeadPrintsTheErrorsAndNoPlan() throws Exception {
        repo.branch("broken").replace("tenants/tenant-a/nics.yaml", "ipAddress: 10.1.1.5", "ipAddress: 10.1.9.5").commit("typo");
        CliRun run = plan("--base", "main", "--head", "broken", "--detailed-exitcode");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).contains("tenants/tenant-a/nics.yaml:24:14: error: spec.ipAddress: 10.1.9.5 is outside subnet web (10.1.1.0/24)")
                .contains("is invalid (1 error); no plan");
    }

    @Test
    void aRuleChangeShowsTheFieldAndTouchesOnlyTheHostsOfThePortsItFilters() throws Exception {
        repo.append("tenants/tenant-a/network.yaml", """
                ---
                apiVersion: weft.dev/v1alpha1
                kind: NetworkSecurityGroup
                metadata: {name: web-nsg, namespace: tenant-a}
                spec:
                  securityRules:
                    - {name: allow-http, priority: 100, direction: Inbound, action: Allow, protocol: TCP, destinationPortRanges: ["80"]}
                """).replace("tenants/tenant-a/network.yaml", "      addressPrefix: 10.1.1.0/24\n",
                "      addressPrefix: 10.1.1.0/24\n      networkSecurityGroup: web-nsg\n").commit("web-nsg on the web subnet");
        repo.branch("tighten").replace("tenants/tenant-a/network.yaml", "priority: 100", "priority: 200").commit("reorder");
        CliRun run = plan("--base", "main", "--head", "tighten", "--output", "json");
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.at("/resources/0/kind").asString()).isEqualTo("NetworkSecurityGroup");
        assertThat(json.at("/resources/0/fields/0/field").asString()).isEqualTo("securityRules[allow-http].priority");
        assertThat(json.at("/resources/0/fields/0/before").asString()).isEqualTo("100");
        assertThat(json.at("/resources/0/fields/0/after").asString()).isEqualTo("200");
        // web-1 is on host-a and web-2 on host-b; host-c has no port in the web subnet
        assertThat(json.get("hosts").valueStream().map(h -> h.get("host").asString()).toList()).containsExactly("host-a", "host-b");
        assertThat(json.at("/hosts/0/ops/0/key").asString()).isEqualTo("tenant-a/web-1");
        assertThat(json.at("/hosts/0/ops/0/fields/0/field").asString()).isEqualTo("security.inbound[tenant-a/web-nsg].rules[allow-http].priority");
        assertThat(json.at("/hosts/0/ops/0/fields/0/before").asString()).isEqualTo("100");
    }

    @Test
    void aPlainDirectoryIsRefused() {
        CliRun run = CliRun.of("plan", "--repo", Path.of("..", "manifests-example").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("plan compares two revisions, so --repo must be a Git repository");
    }
}
