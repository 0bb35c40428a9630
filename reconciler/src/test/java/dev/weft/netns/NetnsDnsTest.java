package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The host's DNS with a real resolver: the lab's VMs are configured by DHCP (nameserver: their gateway;
 * search: their network's domain), and glibc's resolver inside them finds same-network names, short and
 * long, and their reverse names, and nothing of another tenant. Needs root and busybox; in CI it must run.
 */
class NetnsDnsTest extends NetnsLabTest {

    private static int status(String vm, String... command) throws Exception {
        String[] full = new String[command.length + 4];
        System.arraycopy(new String[] {"ip", "netns", "exec", vm}, 0, full, 0, 4);
        System.arraycopy(command, 0, full, 4, command.length);
        Process p = new ProcessBuilder(full).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        return p.waitFor();
    }

    @Test
    void vmsResolveTheirNetworksNamesAndNotAnotherTenants() throws Exception {
        NetnsLab.requireTool("busybox", "busybox");
        NetnsLab.requireTool("getent", "libc-bin");
        reconciler = lab.start().reconciler;
        assertThat(Topology.run("ip", "netns", "exec", "tenant-a.web-1", "cat", "/etc/resolv.conf"))
                .contains("nameserver 10.1.1.1").contains("search blue.tenant-a.internal");

        assertThat(Topology.run("ip", "netns", "exec", "tenant-a.web-1", "getent", "hosts", "web-2"))
                .as("a short name, through the search domain DHCP gave").contains("10.1.1.5").contains("web-2.blue.tenant-a.internal");
        assertThat(Topology.run("ip", "netns", "exec", "tenant-a.web-1", "getent", "hosts", "db-1.blue.tenant-a.internal")).contains("10.1.2.4");
        assertThat(Topology.run("ip", "netns", "exec", "tenant-a.web-1", "getent", "hosts", "10.1.2.4"))
                .as("the reverse name").contains("db-1.blue.tenant-a.internal");
        assertThat(status("tenant-a.web-1", "getent", "hosts", "app-2.red.tenant-b.internal")).as("another tenant's name").isEqualTo(2);
        assertThat(status("tenant-b.app-1", "getent", "hosts", "web-2.blue.tenant-a.internal")).as("and the other way").isEqualTo(2);
        assertThat(Topology.run("ip", "netns", "exec", "tenant-b.app-1", "getent", "hosts", "app-2")).contains("10.1.1.5");
        assertThat(status("tenant-a.web-1", "ping", "-c", "1", "-W", "2", "web-2")).as("ping web-2").isZero();

        // the same over TCP: glibc's resolver with use-vc asks over a TCP connection to the gateway's port 53
        java.nio.file.Files.writeString(java.nio.file.Path.of("/etc/netns/tenant-a.web-1/resolv.conf"),
                "nameserver 10.1.1.1\nsearch blue.tenant-a.internal\noptions use-vc\n");
        assertThat(Topology.run("ip", "netns", "exec", "tenant-a.web-1", "getent", "hosts", "db-2"))
                .as("over TCP").contains("10.1.2.5").contains("db-2.blue.tenant-a.internal");
        assertThat(status("tenant-a.web-1", "getent", "hosts", "app-1.red.tenant-b.internal")).as("over TCP, another tenant's").isEqualTo(2);
        assertThat(agents.get("host-a").dataplane().packets().nodeCounts().get("dns-tcp").packets()).as("host-a's dns-tcp node answered")
                .isGreaterThanOrEqualTo(4);
    }
}
