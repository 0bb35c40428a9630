package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** weft vm without guests: clear errors, and arguments reach the guest's sh as the user typed them. */
class VmCommandTest {

    @TempDir
    Path dir;

    @Test
    void aGuestThatIsNotThereIsNamedWithWhereItWasLookedFor() {
        CliRun run = CliRun.of("vm", "exec", "--vm-dir", dir.toString(), "tenant-a/web-9", "--", "true");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no guest tenant-a/web-9 in " + dir).contains("weft vm list");
    }

    @Test
    void aGuestIsNamedAsTenantSlashNic() {
        CliRun run = CliRun.of("vm", "exec", "--vm-dir", dir.toString(), "web-1", "--", "true");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("TENANT/NIC").contains("not web-1");
    }

    @Test
    void argumentsAreQuotedForTheGuestsShell() {
        assertThat(VmCommand.Exec.quote("10.1.1.5")).isEqualTo("10.1.1.5");
        assertThat(VmCommand.Exec.quote("echo it's $HOME")).isEqualTo("'echo it'\\''s $HOME'");
    }

    @Test
    void listingWithoutWeftUpSaysSo() {
        CliRun run = CliRun.of("vm", "list", "--vm-dir", dir.resolve("none").toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("is weft up --vms running?");
    }
}
