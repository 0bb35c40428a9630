package dev.weft.allocate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.cli.CliRun;
import dev.weft.cli.ExampleRepo;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** weft allocate on manifests-example: addresses written into the text in place, comments kept, never one held at HEAD. */
class AllocateCommandTest {

    @TempDir
    Path dir;

    ExampleRepo repo;

    @BeforeEach
    void setUp() throws Exception {
        repo = new ExampleRepo(dir.resolve("repo"));
    }

    @AfterEach
    void tearDown() {
        repo.close();
    }

    private CliRun allocate(String... more) {
        String[] args = new String[more.length + 3];
        args[0] = "allocate";
        args[1] = "--repo";
        args[2] = repo.dir().toString();
        System.arraycopy(more, 0, args, 3, more.length);
        return CliRun.of(args);
    }

    static final String WEB_3 = """
            ---
            # web-3: a new front end; Weft picks its address
            apiVersion: weft.dev/v1alpha1
            kind: NetworkInterface
            metadata: {name: web-3, namespace: tenant-a}
            spec:
              virtualNetwork: blue
              subnet: web   # the public tier
              host: host-c
            """;

    @Test
    void aNicWithoutAnAddressIsRefusedUntilAllocateWritesOneInPlace() throws Exception {
        repo.append("tenants/tenant-a/nics.yaml", WEB_3).commit("web-3, without an address");
        CliRun invalid = CliRun.of("validate", "--repo", repo.dir().toString());
        assertThat(invalid.exitCode()).isEqualTo(1);
        assertThat(invalid.err() + invalid.out()).contains("spec.ipAddress: missing required field \"ipAddress\"; run weft allocate --repo DIR --write");
        assertThat(CliRun.of("plan", "--repo", repo.dir().toString(), "--base", "HEAD~1", "--head", "HEAD").exitCode()).isEqualTo(1);

        String before = Files.readString(repo.dir().resolve("tenants/tenant-a/nics.yaml"));
        CliRun dryRun = allocate();
        assertThat(dryRun.exitCode()).as(dryRun.err()).isZero();
        assertThat(dryRun.out()).contains("tenant-a/web-3 gets ipAddress 10.1.1.2 (subnet web, 10.1.1.0/24)").contains("Nothing written");
        assertThat(Files.readString(repo.dir().resolve("tenants/tenant-a/nics.yaml"))).isEqualTo(before);

        CliRun written = allocate("--write");
        assertThat(written.out()).contains("Wrote 1 addresses into 1 files");
        String after = Files.readString(repo.dir().resolve("tenants/tenant-a/nics.yaml"));
        int web3Host = before.lastIndexOf("  host: host-c\n") + "  host: host-c\n".length();
        assertThat(after).isEqualTo(before.substring(0, web3Host) + "  ipAddress: 10.1.1.2\n" + before.substring(web3Host))
                .contains("# web-3: a new front end; Weft picks its address").contains("subnet: web   # the public tier");
        repo.commit("allocate web-3's address");
        assertThat(CliRun.of("validate", "--repo", repo.dir().toString()).exitCode()).isZero();

        CliRun again = allocate("--write");
        assertThat(again.out()).contains("Every interface has an address.");
        assertThat(Files.readString(repo.dir().resolve("tenants/tenant-a/nics.yaml"))).isEqualTo(after);
    }

    @Test
    void anAddressHeldAtHeadIsNeverHandedOutAgainAndFlowStyleSpecsGetTheirsToo() throws Exception {
        // web-2 (10.1.1.5) is deleted in the working tree; a new NIC must not get its address while HEAD still holds it
        String nics = Files.readString(repo.dir().resolve("tenants/tenant-a/nics.yaml"));
        int start = nics.indexOf("apiVersion: weft.dev/v1alpha1\nkind: NetworkInterface\nmetadata: {name: web-2");
        int end = nics.indexOf("---", start);
        repo.write("tenants/tenant-a/nics.yaml", nics.substring(0, start) + nics.substring(end + 4)
                + "---\napiVersion: weft.dev/v1alpha1\nkind: NetworkInterface\nmetadata: {name: web-9, namespace: tenant-a}\n"
                + "spec: {virtualNetwork: blue, subnet: web, host: host-a}  # flow style\n");
        for (int k = 2; k <= 3; k++) { // fill .2 and .3 so the next free is after .4 (web-1) and .5 (web-2 at HEAD)
            repo.append("tenants/tenant-a/nics.yaml", "---\napiVersion: weft.dev/v1alpha1\nkind: NetworkInterface\nmetadata: {name: fill-" + k
                    + ", namespace: tenant-a}\nspec: {virtualNetwork: blue, subnet: web, host: host-a, ipAddress: 10.1.1." + k + "}\n");
        }
        CliRun run = allocate("--write");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("tenant-a/web-9 gets ipAddress 10.1.1.6");
        assertThat(Files.readString(repo.dir().resolve("tenants/tenant-a/nics.yaml")))
                .contains("spec: {virtualNetwork: blue, subnet: web, host: host-a, ipAddress: 10.1.1.6}  # flow style");
    }
}
