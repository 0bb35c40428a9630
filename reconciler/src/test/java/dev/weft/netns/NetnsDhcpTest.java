package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The host's DHCP server with a real client: a VM forgets its address and runs busybox's udhcpc, which gets
 * the manifest's address, the router, the MTU, the DNS servers from dhcpOptions and the network's domain, and
 * can then reach another VM. Needs root and busybox; in CI (CI=true) it must run.
 */
class NetnsDhcpTest extends NetnsLabTest {

    @Test
    void aVmWithNoAddressGetsItsOwnFromARealDhcpClient() throws Exception {
        NetnsLab.requireTool("busybox", "busybox");
        repo.replace("tenants/tenant-a/network.yaml", "  addressSpace: [10.1.0.0/16]\n",
                "  addressSpace: [10.1.0.0/16]\n  dhcpOptions: {dnsServers: [10.1.0.53, 10.1.0.54]}\n").commit("DNS servers for blue");
        reconciler = lab.start().reconciler;

        Path leases = dir.resolve("lease.env");
        Path script = dir.resolve("udhcpc.sh");
        Files.writeString(script, """
                #!/bin/sh
                case "$1" in
                  bound|renew)
                    env | grep -E '^(ip|subnet|router|dns|domain|search|mtu|serverid|lease)=' > %s
                    busybox ifconfig "$interface" "$ip" netmask "$subnet" mtu "$mtu"
                    ip route replace default via "$router"
                    ;;
                esac
                """.formatted(leases));
        script.toFile().setExecutable(true);

        Topology.run("ip", "netns", "exec", "tenant-a.web-1", "ip", "addr", "flush", "dev", "eth0");
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.1.1.5")).as("no address, no traffic").isFalse();
        Topology.run("ip", "netns", "exec", "tenant-a.web-1", "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "3", "-T", "1",
                "-O", "mtu", "-O", "search", "-s", script.toString());

        Map<String, String> lease = Files.readAllLines(leases).stream().map(l -> l.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
        assertThat(lease).containsEntry("ip", "10.1.1.4").containsEntry("subnet", "255.255.255.0").containsEntry("router", "10.1.1.1")
                .containsEntry("serverid", "10.1.1.1").containsEntry("domain", "blue.tenant-a.internal")
                .containsEntry("search", "blue.tenant-a.internal").containsEntry("mtu", "1500").containsEntry("lease", "86400");
        assertThat(Arrays.asList(lease.get("dns").trim().split(" "))).containsExactly("10.1.0.53", "10.1.0.54");
        assertThat(Topology.run("ip", "netns", "exec", "tenant-a.web-1", "ip", "-4", "addr", "show", "dev", "eth0")).contains("10.1.1.4/24");
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.1.1.5")).as("configured by DHCP, it reaches web-2 on host-b").isTrue();
        assertThat(NetnsLab.pings("tenant-a.web-1", "10.1.2.4")).as("and, through the router DHCP gave it, db-1 on host-c").isTrue();
    }
}
