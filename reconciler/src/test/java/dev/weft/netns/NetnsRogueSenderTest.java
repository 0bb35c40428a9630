package dev.weft.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.fastpath.packet.DropReason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Nothing from outside the fleet gets in: a machine on the underlay that isn't a Host sends VXLAN with
 * tenant-a's VNI to host-a, addressed to web-1. host-a drops it ({@code UNKNOWN_PEER}); the same
 * datagram from host-b, which carries that VNI, is delivered.
 */
class NetnsRogueSenderTest extends NetnsLabTest {

    static final String ROGUE = "weft-rogue";

    /** A Python one-liner that sends one VXLAN datagram (VNI 5001) with a UDP frame for web-1 (10.1.1.4:9999) from {@code source}. */
    private static String[] sender(String namespace, String source) {
        String script = String.join("\n",
                "import socket, struct",
                "def csum(b):",
                "    s = sum(struct.unpack('!10H', b))",
                "    s = (s & 0xffff) + (s >> 16); s = (s & 0xffff) + (s >> 16)",
                "    return (~s) & 0xffff",
                "payload = b'injected'",
                "udp = struct.pack('!HHHH', 40000, 9999, 8 + len(payload), 0) + payload",
                "ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,",
                "    socket.inet_aton('10.1.1.5'), socket.inet_aton('10.1.1.4')))",
                "ip[10:12] = struct.pack('!H', csum(bytes(ip)))",
                "eth = bytes.fromhex('02000a010104') + bytes.fromhex('02000a010105') + b'\\x08\\x00'",
                "vxlan = struct.pack('!II', 0x08000000, 5001 << 8)",
                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)",
                "s.bind(('" + source + "', 0))",
                "for _ in range(5): s.sendto(vxlan + eth + bytes(ip) + udp, ('198.18.0.1', 4789))");
        return new String[] {"ip", "netns", "exec", namespace, "python3", "-c", script};
    }

    /** Starts a UDP listener in web-1 on port 9999 that prints what it receives within {@code seconds}. */
    private static Process listener(double seconds) throws Exception {
        Process p = new ProcessBuilder("ip", "netns", "exec", "tenant-a.web-1", "python3", "-c",
                "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 9999)); s.settimeout(" + seconds + ")\n"
                        + "try:\n  print(s.recv(100).decode())\nexcept socket.timeout:\n  print('nothing')")
                .redirectErrorStream(true).start();
        Thread.sleep(300);
        return p;
    }

    private long unknownPeerDrops() {
        return agents.get("host-a").dataplane().packets().nodeCounts().get("vxlan-input").drops().getOrDefault(DropReason.UNKNOWN_PEER, 0L);
    }

    @Test
    void vxlanFromAnAddressThatIsNoHostOfTheVniIsDroppedAndFromAHostThatIsDelivered() throws Exception {
        reconciler = lab.start().reconciler;
        try {
            Topology.run("ip", "netns", "add", ROGUE);
            Topology.run("ip", "link", "add", "rogue0", "netns", Topology.UNDERLAY, "type", "veth", "peer", "name", "eth0", "netns", ROGUE);
            Topology.run("ip", "-n", Topology.UNDERLAY, "link", "set", "rogue0", "master", "br0");
            Topology.run("ip", "-n", Topology.UNDERLAY, "link", "set", "rogue0", "up");
            Topology.run("ip", "-n", ROGUE, "addr", "add", "198.18.0.99/15", "dev", "eth0");
            Topology.run("ip", "-n", ROGUE, "link", "set", "eth0", "up");
            Topology.run("ip", "-n", ROGUE, "link", "set", "lo", "up");

            Process quiet = listener(2);
            Topology.run(sender(ROGUE, "198.18.0.99"));
            assertThat(new String(quiet.getInputStream().readAllBytes()).trim()).as("web-1 receives nothing from the rogue").isEqualTo("nothing");
            await().atMost(Duration.ofSeconds(5)).until(() -> unknownPeerDrops() >= 1);

            Process heard = listener(5);
            Topology.run(sender(Topology.hostNamespace("host-b"), "198.18.0.2"));
            assertThat(new String(heard.getInputStream().readAllBytes()).trim()).as("the same from host-b, which carries VNI 5001").isEqualTo("injected");
        } finally {
            Topology.quietly("ip", "netns", "del", ROGUE);
            Topology.quietly("ip", "-n", Topology.UNDERLAY, "link", "del", "rogue0");
        }
    }
}
