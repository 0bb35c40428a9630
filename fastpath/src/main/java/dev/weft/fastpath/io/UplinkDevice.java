package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.PacketBatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The host's device on a logical network (its uplink, e.g. {@code eth1}), through an {@code AF_PACKET} socket
 * bound to it: whole Ethernet frames in and out, beside the kernel, which has no address there. The socket
 * ignores the frames it sends itself. Non-blocking; a worker reads it when epoll says so.
 */
public final class UplinkDevice implements AutoCloseable {

    private static final int AF_PACKET = 17;
    private static final int ETH_P_ALL = 3;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final long SIOCGIFHWADDR = 0x8927;

    private final int fd;
    private final String name;
    private final long mac;
    public volatile long framesRead;
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

    /** Reads frames until none is waiting or the batch is full; returns how many. */
    public int receive(PacketBatch batch) {
        int received = 0;
        while (!batch.full()) {
            long n = Native.read(fd, batch.nextSlot(), PacketBatch.MAX_FRAME);
            if (n <= 0) {
                break; // EAGAIN: nothing more now
            }
            batch.commit((int) n, PacketBatch.UPLINK);
            received++;
        }
        framesRead += received;
        return received;
    }

    /** Sends frame {@code i} of the batch; false when the kernel refused it (counted). */
    public boolean send(PacketBatch batch, int i) {
        long n = Native.write(fd, batch.memory().asSlice(batch.start[i], batch.length[i]), batch.length[i]);
        if (n != batch.length[i]) {
            sendFailures++;
            return false;
        }
        framesSent++;
        return true;
    }

    @Override
    public void close() {
        Native.close(fd);
    }
}
