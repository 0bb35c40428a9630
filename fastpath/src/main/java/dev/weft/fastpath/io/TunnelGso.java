package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.Checksum;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.TcpSegments;
import dev.weft.fastpath.packet.UdpSegments;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * VXLAN for a {@link PacketBatch#gsoSize GSO frame}, sent whole: GSO over a UDP tunnel (the virtio-net header's
 * {@code GSO_UDP_TUNNEL_IPV4}, {@code TUN_F_UDP_TUNNEL_GSO}, Linux 6.18), with a TCP frame ({@code GSO_TCPV4}) or a UDP
 * send's datagrams ({@code GSO_UDP_L4}) inside. Weft writes the 64 kB frame once, behind the
 * outer Ethernet, IPv4, UDP and VXLAN headers, to a TAP device of its own in the host's namespace ({@code weftgsoN});
 * the host routes it out of the underlay device like a forwarded packet, and it is cut into segments only where it must
 * be, with every header replicated and every checksum computed there: by a NIC with tunnel segmentation offload, by the
 * kernel's GSO just before a device without it, or not at all across a veth pair (then a receiving Weft cuts it, see
 * {@link Underlay}). Opening it sets the device's {@code forwarding}, {@code accept_local} (the outer source is the host's
 * own address) and {@code rp_filter}; a host whose firewall drops forwarded packets must accept those from
 * {@code weftgso+}.
 */
final class TunnelGso implements AutoCloseable {

    /** {@code struct virtio_net_hdr_v1_hash_tunnel}: the virtio-net header, hash report and the two tunnel offsets. */
    static final int NET_HEADER = 24;
    /** Ethernet, IPv4 and UDP in front of the VXLAN header. */
    private static final int OUTER = 14 + 20 + 8;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final long TUNSETVNETHDRSZ = 0x400454d8L;
    private static final long SIOCGIFHWADDR = 0x8927;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCSIFFLAGS = 0x8914;
    private static final int TUN_F_CSUM = 0x01;
    private static final int TUN_F_TSO4 = 0x02;
    private static final int TUN_F_UDP_TUNNEL_GSO = 0x80;
    private static final int GSO_TCPV4 = 1;
    private static final int GSO_UDP_L4 = 5;
    private static final int GSO_UDP_TUNNEL_IPV4 = 0x20;
    private static final long SOURCE_MAC = 0x02_57_45_46_54_00L; // locally administered: "WEFT"

    private final int fd;
    private final String name;
    private final long mac;
    private final int localAddress;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment header = arena.allocate(NET_HEADER + OUTER, 8);
    private final MemorySegment iovecs = arena.allocate(Structs.IOVEC, 3);
    /** Frames the kernel refused. */
    long refused;
    /** Frames written whole. */
    long sent;

    private TunnelGso(int fd, String name, long mac, int localAddress) {
        this.fd = fd;
        this.name = name;
        this.mac = mac;
        this.localAddress = localAddress;
    }

    /**
     * Opens the device in the calling thread's network namespace for VXLAN from {@code localAddress}; an IOException says why
     * it can't be used (a kernel without GSO over UDP tunnels, {@code rp_filter} on for every device).
     */
    static TunnelGso open(int localAddress) throws IOException {
        String rpFilter = read("/proc/sys/net/ipv4/conf/all/rp_filter");
        if (!rpFilter.equals("0")) {
            throw new IOException("net.ipv4.conf.all.rp_filter is " + rpFilter + ": the host would refuse its own source address from weftgso");
        }
        int fd = (int) Native.check(Native.open("/dev/net/tun", Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC), "open /dev/net/tun");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ifreq = a.allocate(Structs.IFREQ);
            ifreq.setString(Structs.IFR_NAME, "weftgso%d");
            Structs.ifreqFlags(ifreq, (short) (Native.IFF_TAP | Native.IFF_NO_PI | TapDevice.IFF_VNET_HDR));
            check(fd, Native.ioctl(fd, Native.TUNSETIFF, ifreq), "TUNSETIFF weftgso");
            String name = ifreq.getString(Structs.IFR_NAME);
            MemorySegment size = a.allocate(ValueLayout.JAVA_INT);
            size.set(ValueLayout.JAVA_INT, 0, NET_HEADER);
            check(fd, Native.ioctl(fd, TUNSETVNETHDRSZ, size), "TUNSETVNETHDRSZ " + name);
            check(fd, Native.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_UDP_TUNNEL_GSO)),
                    "TUNSETOFFLOAD with GSO over UDP tunnels (Linux 6.18) on " + name);
            for (String setting : new String[] {"forwarding=1", "accept_local=1", "rp_filter=0"}) {
                String[] kv = setting.split("=");
                write("/proc/sys/net/ipv4/conf/" + name + "/" + kv[0], kv[1]);
            }
            if (Files.exists(Path.of("/proc/sys/net/ipv6/conf/" + name))) {
                write("/proc/sys/net/ipv6/conf/" + name + "/disable_ipv6", "1"); // nothing of its own to send on it
            }
            int socket = (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_DGRAM, 0), "socket");
            try {
                check(fd, Native.ioctl(socket, SIOCGIFHWADDR, ifreq), "SIOCGIFHWADDR " + name);
                long mac = 0;
                for (int k = 0; k < 6; k++) {
                    mac = mac << 8 | (ifreq.get(ValueLayout.JAVA_BYTE, Structs.IFR_HWADDR + k) & 0xff);
                }
                ifreq.setString(Structs.IFR_NAME, name);
                check(fd, Native.ioctl(socket, SIOCGIFFLAGS, ifreq), "SIOCGIFFLAGS " + name);
                Structs.ifreqFlags(ifreq, (short) (Structs.ifreqFlags(ifreq) | 1)); // IFF_UP
                check(fd, Native.ioctl(socket, SIOCSIFFLAGS, ifreq), "SIOCSIFFLAGS " + name);
                return new TunnelGso(fd, name, mac, localAddress);
            } finally {
                Native.close(socket);
            }
        } catch (IOException | RuntimeException e) {
            Native.close(fd);
            throw e;
        }
    }

    private static void check(int fd, int result, String what) throws IOException {
        if (result < 0) {
            int errno = Native.errno();
            throw new IOException(what + ": " + Native.strerror(errno));
        }
    }

    private static String read(String file) throws IOException {
        return Files.readString(Path.of(file)).trim();
    }

    private static void write(String file, String value) throws IOException {
        Files.writeString(Path.of(file), value);
    }

    String name() {
        return name;
    }

    /**
     * Sends GSO frame {@code i} (from its VXLAN header, as {@code vxlan-encap} left it: the inner headers in the slot, the
     * payload its tail) to {@code outAddress} from UDP source port {@code sourcePort}, whole; false when the kernel refused it.
     */
    boolean send(PacketBatch b, int i, int sourcePort) {
        MemorySegment m = b.memory();
        int vxlan = 8;
        long inner = b.start[i] + vxlan;
        int l3 = b.l3[i];
        int l4 = b.l4[i];
        int innerLength = b.length[i] - vxlan;
        boolean udp = b.udp(i, vxlan);
        int frame = OUTER + b.inline(i); // everything before the payload
        MemorySegment h = header;
        h.fill((byte) 0);
        if (udp) { // one VM's UDP send: its datagrams are the kernel's to cut
            UdpSegments.offloaded(m, inner + l3, inner + l4, innerLength - l3);
            GsoRun.udpNetHeader(h, frame, b.gsoSize[i], OUTER + vxlan + l4); // csum_start: the inner UDP header
        } else {
            TcpSegments.offloaded(m, inner + l3, inner + l4, innerLength - l3); // as for the whole frame; each segment's are the kernel's
            GsoRun.netHeader(h, frame, b.gsoSize[i], OUTER + vxlan + l4); // csum_start: the inner TCP header
        }
        h.set(ValueLayout.JAVA_BYTE, 1, (byte) (GSO_UDP_TUNNEL_IPV4 | (udp ? GSO_UDP_L4 : GSO_TCPV4)));
        GsoRun.le16(h, 20, 14 + 20); // outer_th_offset: the outer UDP header
        GsoRun.le16(h, 22, OUTER + vxlan + l3); // inner_nh_offset: the inner IPv4 header
        long e = NET_HEADER;
        Bytes.mac(h, e, mac);
        Bytes.mac(h, e + 6, SOURCE_MAC);
        Bytes.u16(h, e + 12, 0x0800);
        long ip = e + 14;
        int udpLength = 8 + b.length[i];
        Bytes.u8(h, ip, 0x45);
        Bytes.u16(h, ip + 2, 20 + udpLength);
        Bytes.u16(h, ip + 6, 0x4000); // DF: the underlay carries VXLAN whole
        Bytes.u8(h, ip + 8, 64);
        Bytes.u8(h, ip + 9, 17);
        Bytes.u32(h, ip + 12, localAddress);
        Bytes.u32(h, ip + 16, b.outAddress[i]);
        Bytes.u16(h, ip + 10, Checksum.finish(Checksum.sum(h, ip, 20)));
        long outerUdp = ip + 20;
        Bytes.u16(h, outerUdp, sourcePort);
        Bytes.u16(h, outerUdp + 2, 4789);
        Bytes.u16(h, outerUdp + 4, udpLength); // checksum 0: none, as RFC 7348 allows over IPv4
        Structs.iovec(iovecs, 0, h, NET_HEADER + OUTER);
        Structs.iovec(iovecs, 1, m, b.start[i], b.inline(i));
        Structs.iovec(iovecs, 2, b.tail[i], b.tail[i].byteSize());
        long total = NET_HEADER + OUTER + b.length[i];
        if (Native.writev(fd, iovecs, 3) != total) {
            refused++;
            return false;
        }
        sent++;
        return true;
    }

    @Override
    public void close() {
        Native.close(fd);
        arena.close();
    }
}
