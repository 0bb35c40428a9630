package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.PacketBatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The host's device on a logical network (its uplink, e.g. {@code eth1}), through an {@code AF_PACKET} socket
 * bound to it: whole Ethernet frames in and out, beside the kernel, which has no address there. The socket
 * ignores the frames it sends itself. Frames carry a virtio-net header ({@code PACKET_VNET_HDR}), as on a TAP
 * device: a frame the kernel hands over unsegmented (GSO) or with its checksum left to offload is segmented and
 * completed by {@link Segmenter}, so the pipeline always sees wire-ready frames. Non-blocking; a worker reads it
 * when epoll says so.
 */
public final class UplinkDevice implements AutoCloseable {

    private static final int AF_PACKET = 17;
    private static final int ETH_P_ALL = 3;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_VNET_HDR = 15;
    private static final int BUFFER = 65536 + Segmenter.VNET_HEADER + 64;
    private static final long SIOCGIFHWADDR = 0x8927;

    private final int fd;
    private final String name;
    private final long mac;
    private final Arena arena = Arena.ofShared();
    /** Where the one worker that reads the uplink reads a frame (up to 64 kB) into. */
    private final MemorySegment buffer = arena.allocate(BUFFER, 64);
    public volatile long framesRead;
    public volatile long malformed;
    public volatile long framesSent;
    public volatile long sendFailures;

    private UplinkDevice(int fd, String name, long mac) {
        this.fd = fd;
        this.name = name;
        this.mac = mac;
    }

    /** Opens a packet socket on interface {@code name} of the calling thread's network namespace. */
    public static UplinkDevice open(String name) throws IOException {
        int index = Native.ifNameToIndex(name);
        if (index == 0) {
            throw new IOException("no interface " + name + " for the uplink");
        }
        int fd = (int) Native.check(Native.socket(AF_PACKET, Native.SOCK_RAW | Native.SOCK_NONBLOCK, Short.reverseBytes((short) ETH_P_ALL) & 0xffff),
                "packet socket on " + name);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment address = arena.allocate(Structs.SOCKADDR_LL);
            Structs.sockaddrLl(address, ETH_P_ALL, index);
            if (Native.bind(fd, address, (int) Structs.SOCKADDR_LL.byteSize()) < 0) {
                int errno = Native.errno();
                Native.close(fd);
                throw new IOException("bind a packet socket to " + name + ": " + Native.strerror(errno));
            }
            Native.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
            if (Native.setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1) < 0) {
                int errno = Native.errno();
                Native.close(fd);
                throw new IOException("PACKET_VNET_HDR on " + name + ": " + Native.strerror(errno));
            }
            Native.setsockopt(fd, Native.SOL_SOCKET, Native.SO_RCVBUF, 4 << 20);
            MemorySegment ifreq = arena.allocate(Structs.IFREQ);
            ifreq.setString(Structs.IFR_NAME, name);
            if (Native.ioctl(fd, SIOCGIFHWADDR, ifreq) < 0) {
                int errno = Native.errno();
                Native.close(fd);
                throw new IOException("SIOCGIFHWADDR " + name + ": " + Native.strerror(errno));
            }
            long mac = 0;
            for (int k = 0; k < 6; k++) {
                mac = mac << 8 | (ifreq.get(ValueLayout.JAVA_BYTE, Structs.IFR_HWADDR + k) & 0xff);
            }
            return new UplinkDevice(fd, name, mac);
        }
    }

    public int fd() {
        return fd;
    }

    public String name() {
        return name;
    }

    /** The device's MAC: the source of everything sent, and the answer to ARP for the host's public addresses. */
    public long mac() {
        return mac;
    }

    /** Reads frames while the batch has room for a full segmentation of one; returns how many segments it added. */
    public int receive(PacketBatch batch) {
        int received = 0;
        while (PacketBatch.CAPACITY - batch.count() >= 48) {
            long n = Native.read(fd, buffer, BUFFER);
            if (n <= 0) {
                break; // EAGAIN: nothing more now
            }
            framesRead++;
            int added = Segmenter.add(buffer, (int) n, batch, PacketBatch.UPLINK);
            if (added < 0) {
                malformed++;
            } else {
                received += added;
            }
        }
        return received;
    }

    /** Sends frame {@code i} of the batch (complete checksums: an all-zero virtio-net header); false when the kernel refused it (counted). */
    public boolean send(PacketBatch batch, int i) {
        long at = batch.start[i] - Segmenter.VNET_HEADER;
        batch.memory().asSlice(at, Segmenter.VNET_HEADER).fill((byte) 0);
        long total = batch.length[i] + Segmenter.VNET_HEADER;
        long n = Native.write(fd, batch.memory().asSlice(at, total), total);
        if (n != total) {
            sendFailures++;
            return false;
        }
        framesSent++;
        return true;
    }

    @Override
    public void close() {
        Native.close(fd);
        arena.close();
    }
}
