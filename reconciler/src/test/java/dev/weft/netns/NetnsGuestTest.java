package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.vm.GuestExec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Real Linux guests on vhost-user ports: host-a's and host-b's NICs are QEMU guests (TCG; the Debian cloud kernel and
 * busybox, from bin/build-guest-image), configured by Weft's DHCP server over virtio-net; host-c's are namespaces. Guests
 * ping and open TCP to each other across hosts and to host-c's Linux namespaces; tenant-b's guest with web-1's address
 * reaches only tenant-b; a guest killed and booted again reconnects to its port, and so do a host's running guests when
 * its agent restarts. Needs root and QEMU; in CI it must run.
 */
class NetnsGuestTest extends NetnsLabTest {

    static final Duration BOOT = Duration.ofSeconds(120);
    static final Duration COMMAND = Duration.ofSeconds(120); // TCG guests on two loaded cores can be slow

    GuestExec.Result exec(String tenant, String nic, String command) throws Exception {
        return lab.guests.exec(tenant, nic, command, COMMAND);
    }

    /** The guest's kernel's counter from /proc/net/snmp, e.g. {@code Icmp: InEchos}. */
    long snmp(String tenant, String nic, String group, String name) throws Exception {
        List<String> lines = exec(tenant, nic, "cat /proc/net/snmp").output().lines().filter(l -> l.startsWith(group)).toList();
        return Long.parseLong(lines.get(1).split(" ")[List.of(lines.get(0).split(" ")).indexOf(name)]);
    }

    @Test
    void guestsOnVhostUserPortsTalkAcrossHostsStayInTheirTenantAndReconnectAfterACrash() throws Exception {
        NetnsLab.requireTool("qemu-system-x86_64", "qemu-system-x86");
        lab.vhostUser.addAll(List.of("host-a", "host-b"));
        lab.withGuests();
        reconciler = lab.start("tenant-b.app-2", "10.1.2.5").reconciler; // two namespaces on host-c: the guests boot meanwhile
        for (String nic : List.of("web-1", "web-2", "db-2")) {
            await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).until(() -> lab.guests.ready("tenant-a", nic));
        }
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).until(() -> lab.guests.ready("tenant-b", "app-1"));

        GuestExec.Result ping = exec("tenant-a", "web-1", "ping -c 3 -W 2 10.1.1.5");
        assertThat(ping.status()).as("guest web-1 (host-a) pings guest web-2 (host-b):%n%s", ping.output()).isZero();
        assertThat(exec("tenant-a", "web-1", "hostname; ip -4 -o addr show dev eth0").output())
                .as("named by Weft, addressed by Weft's DHCP server").contains("web-1").contains("10.1.1.4/24");
        assertThat(exec("tenant-a", "web-1", "ping -c 2 -W 2 10.1.2.4").status()).as("and host-c's Linux namespace db-1").isZero();
        for (int k = 0; k < 30; k++) { // one exec right after another: none may be lost between connections
            assertThat(exec("tenant-a", "web-1", "echo " + k).output()).isEqualTo(k + "\n");
        }

        String vms = dir.resolve("vms").toString();
        var cli = dev.weft.cli.CliRun.of("vm", "exec", "--vm-dir", vms, "tenant-a/web-1", "--", "sh", "-c", "echo \"it's $(hostname)\"; exit 3");
        assertThat(cli.out()).as("weft vm exec prints the output").isEqualTo("it's web-1\n");
        assertThat(cli.exitCode()).as("and exits with the command's status").isEqualTo(3);
        assertThat(dev.weft.cli.CliRun.of("vm", "list", "--vm-dir", vms).out()).containsPattern("tenant-a/web-1 +ready 10.1.1.4/24")
                .containsPattern("tenant-b/app-1 +ready 10.1.1.4/24");

        assertThat(exec("tenant-a", "web-2", "iperf3 -s -D -1").status()).isZero();
        GuestExec.Result tcp = exec("tenant-a", "web-1", "iperf3 -c 10.1.1.5 -t 2 -f m");
        assertThat(tcp.status()).as("TCP from guest web-1 to guest web-2:%n%s", tcp.output()).isZero();
        assertThat(tcp.output()).contains("receiver");
        assertThat(agents.get("host-a").dataplane().packets().vhost("tenant-a/web-1").orElseThrow().segments)
                .as("the guest's kernel handed its TCP over in 64 kB segments (TSO), which the port cut").isPositive();
        assertThat(agents.get("host-b").dataplane().packets().vhost("tenant-a/web-2").orElseThrow().coalescedFrames)
                .as("web-2's kernel took runs of segments as one frame over its mergeable buffers (GUEST_TSO4)").isPositive();
        String features = exec("tenant-a", "web-1", "cat /sys/class/net/eth0/device/features").output().strip();
        assertThat(features).as("the guest's virtio features, bit 0 first").hasSizeGreaterThan(29);
        assertThat(features.charAt(29)).as("web-1's kernel negotiated VIRTIO_RING_F_EVENT_IDX (kicks and calls by index): %s", features)
                .isEqualTo('1');
        var web1Port = agents.get("host-a").dataplane().packets().stats().getJsonObject("vhostUser").getJsonObject("ports").getJsonObject("tenant-a/web-1");
        assertThat(web1Port.getBoolean("ready")).isTrue();
        assertThat(web1Port.getJsonArray("features").getList()).as("host-a's /v1/stats names what web-1 negotiated")
                .contains("VIRTIO_RING_F_EVENT_IDX", "VIRTIO_NET_F_GUEST_TSO4", "VIRTIO_NET_F_HOST_TSO4", "VIRTIO_NET_F_MRG_RXBUF");
        System.out.println("guest TCP (TCG guests, so the guests' CPU, not Weft, sets the rate):\n" + tcp.output());

        long web2Echos = snmp("tenant-a", "web-2", "Icmp:", "InEchos");
        long app2Echos = NetnsLab.snmp("tenant-b.app-2", "Icmp:", "InEchos");
        assertThat(exec("tenant-b", "app-1", "ping -c 3 -W 2 10.1.1.5").status()).as("tenant-b's app-1, web-1's address, reaches its own 10.1.1.5").isZero();
        assertThat(NetnsLab.snmp("tenant-b.app-2", "Icmp:", "InEchos") - app2Echos).as("tenant-b's app-2 (host-c) got them").isGreaterThanOrEqualTo(3);
        assertThat(snmp("tenant-a", "web-2", "Icmp:", "InEchos")).as("tenant-a's web-2, same address, got none").isEqualTo(web2Echos);
        long db2Echos = snmp("tenant-a", "db-2", "Icmp:", "InEchos");
        assertThat(exec("tenant-b", "app-1", "ping -c 2 -W 1 10.1.2.5").status()).as("10.1.2.5 is tenant-b's data-2 for app-1").isZero();
        assertThat(snmp("tenant-a", "db-2", "Icmp:", "InEchos")).as("tenant-a's db-2 (same address, same host as app-1) got none").isEqualTo(db2Echos);
        assertThat(exec("tenant-b", "app-1", "ping -c 2 -W 1 10.9.1.4").status()).as("nor does app-1 reach tenant-a's mgmt network").isNotZero();

        var port = agents.get("host-b").dataplane().packets().vhost("tenant-a/web-2").orElseThrow();
        long connections = port.connections;
        lab.guests.kill("tenant-a", "web-2");
        assertThat(exec("tenant-a", "web-1", "ping -c 2 -W 1 10.1.1.5").status()).as("web-2 is gone").isNotZero();
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).until(() -> lab.guests.ready("tenant-a", "web-2")); // the next loop boots it again
        assertThat(port.connections).as("the port took the new guest's connection").isGreaterThan(connections);
        GuestExec.Result again = exec("tenant-a", "web-1", "ping -c 3 -W 2 10.1.1.5");
        assertThat(again.status()).as("web-1 reaches the restarted web-2:%n%s", again.output()).isZero();
        assertThat(exec("tenant-a", "db-2", "ping -c 2 -W 2 10.1.2.4").status()).as("other guests were never affected").isZero();

        // host-b's agent restarts under its running guests (an upgrade): QEMU connects again to the new agent's socket, and
        // the guest carries on from where its rings were, with no reboot
        String bootId = exec("tenant-a", "web-2", "cat /proc/sys/kernel/random/boot_id").output();
        agents.get("host-b").close(); // stopped, then started again: the reconcile loop starts an agent for a host not in the map
        agents.remove("host-b");
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).until(() -> agents.containsKey("host-b")); // the reconcile loop starts it again
        var restarted = agents.get("host-b").dataplane().packets();
        await().atMost(BOOT).pollInterval(Duration.ofMillis(500)).alias("web-2's QEMU connects to host-b's new agent")
                .until(() -> restarted.vhost("tenant-a/web-2").map(dev.weft.fastpath.io.VhostPort::ready).orElse(false));
        GuestExec.Result afterRestart = exec("tenant-a", "web-1", "ping -c 3 -W 2 10.1.1.5");
        assertThat(afterRestart.status()).as("web-1 reaches web-2 through host-b's new agent:%n%s", afterRestart.output()).isZero();
        assertThat(exec("tenant-a", "web-2", "cat /proc/sys/kernel/random/boot_id").output()).as("web-2 kept running").isEqualTo(bootId);
    }
}
