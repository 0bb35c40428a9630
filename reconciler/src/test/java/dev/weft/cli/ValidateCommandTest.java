package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.validate.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ValidateCommandTest {

    private static final String EXAMPLE = Path.of("..", "manifests-example").toString();

    @Test
    void theExampleRepositoryIsValidAndSummarised() {
        CliRun run = CliRun.of("validate", "--repo", EXAMPLE);
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).isEqualTo("""
                %s (working tree): valid, 9 files, 25 documents
                  hosts                    3  host-a, host-b, host-c
                  tenants                  2  tenant-a, tenant-b
                  virtual networks         3
                  subnets                  6
                  network interfaces      10
                  security groups          1
                  logical networks         1  internet
                  public IP addresses      2
                  NAT gateways             1
                  load balancers           1
                  peerings                 2  0 Initiated
                  route tables             1  1 route(s)
                """.formatted(EXAMPLE));
    }

    @Test
    void theExampleAsJson() {
        CliRun run = CliRun.of("validate", "--repo", EXAMPLE, "--output", "json");
        assertThat(run.exitCode()).isZero();
        JsonNode json = JsonMapper.builder().build().readTree(run.out());
        assertThat(json.get("valid").asBoolean()).isTrue();
        assertThat(json.at("/summary/hosts").asInt()).isEqualTo(3);
        assertThat(json.at("/summary/tenants").asInt()).isEqualTo(2);
        assertThat(json.at("/summary/virtualNetworks").asInt()).isEqualTo(3);
        assertThat(json.at("/summary/networkInterfaces").asInt()).isEqualTo(10);
        assertThat(json.get("errors")).isEmpty();
    }

    @Test
    void invalidRepositoryPrintsEveryErrorAndExitsOne(@TempDir Path dir) {
        new Fixtures(dir).base().write("nics.yaml", Fixtures.nic("web-1", "web", "02:00:0a:01:01:04", "10.1.2.9"));
        CliRun run = CliRun.of("validate", "--repo", dir.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).startsWith("nics.yaml:9:14: error: spec.ipAddress: 10.1.2.9 is outside subnet web (10.1.1.0/24)\n")
                .contains(": invalid, 1 error in 3 files");
    }

    @Test
    void jsonErrorsCarryFileLineColumnAndField(@TempDir Path dir) {
        new Fixtures(dir).base().write("nics.yaml", Fixtures.nic("web-1", "web", "02:00:0a:01:01:04", "10.1.2.9"));
        CliRun run = CliRun.of("validate", "--repo", dir.toString(), "--output", "json");
        assertThat(run.exitCode()).isEqualTo(1);
        JsonNode error = JsonMapper.builder().build().readTree(run.out()).get("errors").get(0);
        assertThat(error.get("file").asString()).isEqualTo("nics.yaml");
        assertThat(error.get("line").asInt()).isEqualTo(9);
        assertThat(error.get("column").asInt()).isEqualTo(14);
        assertThat(error.get("field").asString()).isEqualTo("spec.ipAddress");
        assertThat(error.get("message").asString()).isEqualTo("10.1.2.9 is outside subnet web (10.1.1.0/24)");
    }

    @Test
    void anUnreadableRepositoryExitsOneWithAClearMessage() {
        CliRun run = CliRun.of("validate", "--repo", "/nonexistent/weft-repo");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("error: /nonexistent/weft-repo is not a directory, a Git repository or a Git URL");
    }

    @Test
    void aRevisionOfAPlainDirectoryIsRefused(@TempDir Path dir) {
        new Fixtures(dir).base();
        CliRun run = CliRun.of("validate", "--repo", dir.toString(), "--rev", "main");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("is a plain directory, not a Git repository, so it has no revision main");
    }

    @Test
    void usageErrorsExitOne() {
        CliRun run = CliRun.of("validate");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("Missing required option: '--repo=R'");
    }

    @Test
    void everyCommandHasHelp() {
        String list = CliRun.of("--help").out();
        assertThat(list).contains("validate");
        // each command's line in the list is a whole sentence, not the first line of a longer description cut off
        String[] commands = list.substring(list.indexOf("Commands:") + "Commands:".length()).strip().split("\n  (?=\\S)");
        assertThat(commands).hasSizeGreaterThan(10)
                .allSatisfy(c -> assertThat(c.replaceAll("\\s+", " ").strip()).as(c).endsWith("."));
        CliRun help = CliRun.of("validate", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--repo=R", "--rev=REV", "--output=FORMAT", "Exit codes:");
    }

    @Test
    void dotFoldersAndNonYamlFilesAreIgnored(@TempDir Path dir) {
        new Fixtures(dir).base()
                .write(".github/workflows/ci.yaml", "on: push\njobs: {}\n")
                .write(".gitlab-ci.yml", "stages: [test]\n")
                .write("notes.txt", "not a manifest: [\n")
                .write("deep/er/h.yml", Fixtures.host("host-c", "198.18.0.3"));
        CliRun run = CliRun.of("validate", "--repo", dir.toString());
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("valid, 3 files, 4 documents").contains("host-a, host-b, host-c");
    }
}
