package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.CliRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code weft up --vms} as a user runs it, in its own process: a QEMU guest per NIC of the example on vhost-user ports,
 * {@code weft vm list} shows them booted with their addresses, {@code weft vm exec} pings from one guest to another on
 * another host, and Ctrl-C stops the guests and removes the namespaces. Needs root and QEMU; in CI it must run.
 */
class UpVmsTest {

    @TempDir
    Path dir;

    @Test
    void upBootsAGuestPerNicThatVmExecReaches() throws Exception {
        NetnsLab.requireRoot();
        NetnsLab.requireTool("qemu-system-x86_64", "qemu-system-x86");
        String vms = dir.resolve("vms").toString();
        try (dev.weft.cli.WeftProcess weft = dev.weft.cli.WeftProcess.start(List.of("--add-modules", "jdk.incubator.vector"), "up", "--vms", "--vm-dir", vms,
                "--listen", "127.0.0.1:0", "--interval", "500ms")) {
            Process up = weft.process();
            List<String> lines = weft.lines();

            await().atMost(Duration.ofSeconds(120)).until(() -> lines.stream().anyMatch(l -> l.startsWith("Ctrl-C stops everything")));
            assertThat(String.join("\n", lines)).contains("QEMU guests boot (tcg)").contains("./weft vm exec --vm-dir " + vms);
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                String list = CliRun.of("vm", "list", "--vm-dir", vms).out();
                return list.matches("(?s).*tenant-a/web-1 +ready 10\\.1\\.1\\.4/24.*") && list.matches("(?s).*tenant-a/web-2 +ready 10\\.1\\.1\\.5/24.*");
            });
            CliRun ping = CliRun.of("vm", "exec", "--vm-dir", vms, "--timeout", "120s", "tenant-a/web-1", "--", "ping", "-c", "2", "-W", "2", "10.1.1.5");
            assertThat(ping.exitCode()).as(ping.out() + ping.err()).isZero();
            assertThat(ping.out()).contains("2 packets received");

            up.destroy(); // SIGTERM, as Ctrl-C would
            assertThat(up.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(Topology.quietly("pgrep", "-f", "qemu-system-x86_64 -name tenant-a/web-1")).as("the guests are stopped").isFalse();
            assertThat(Topology.quietly("ip", "netns", "exec", "host.host-a", "true")).as("the host namespaces are gone").isFalse();
        }
    }
}
