package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.PacketBatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The host's underlay: VXLAN received on a UDP socket bound to its provider address, port 4789, with
 * {@code recvmmsg} (one system call per burst), and every encapsulated frame (VXLAN or NVGRE) sent with
 * {@code sendmmsg} through a raw IP socket with the outer IPv4 header Weft built, so the UDP source port
 * carries the inner flow hash as RFC 7348 asks.
 */
public final class Underlay implements AutoCloseable {

    private static final int BURST = 64;
    private static final int SO_REUSEPORT = 15;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final long CMSG_SPACE = 24; // cmsghdr (16) + a 2-byte segment size, aligned
    /** VXLAN goes out of one of these UDP sockets, bound to source ports 49152.., chosen by the inner flow hash. */
    private static final int SENDERS = 8;
    private static final int MAX_GSO_PAYLOAD = 65000;
    private static final int UDP_GRO = 104;
    private static final int GRO_BURST = 4;
    private static final long GRO_BUFFER = 65536;
    private static final long MMSGHDR = 64;   // struct mmsghdr on 64-bit Linux
    private static final long IOVEC = 16;
    private static final long SOCKADDR_IN = 16;
    private static final ValueLayout.OfInt BE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfShort BE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);

    private final int local;
    private final int rx;
    private final int gre;
    private final int tx;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment messages = arena.allocate(MMSGHDR * BURST, 8);
    private final MemorySegment iovecs = arena.allocate(IOVEC * BURST, 8);
    private final MemorySegment addresses = arena.allocate(SOCKADDR_IN * BURST, 8);
    private final int[] senders = new int[SENDERS];
    private final MemorySegment gsoMessages = arena.allocate(MMSGHDR * PacketBatch.CAPACITY, 8);
    private final MemorySegment gsoIovecs = arena.allocate(IOVEC * PacketBatch.CAPACITY, 8);
    private final MemorySegment gsoAddresses = arena.allocate(SOCKADDR_IN * PacketBatch.CAPACITY, 8);
    private final MemorySegment gsoControl = arena.allocate(CMSG_SPACE * PacketBatch.CAPACITY, 8);
    private final int[] runSocket = new int[PacketBatch.CAPACITY];
    private final MemorySegment groBuffers = arena.allocate(GRO_BUFFER * GRO_BURST, 64);
    private final MemorySegment groControl = arena.allocate(CMSG_SPACE * GRO_BURST, 8);

    /** Opens the sockets in the calling thread's network namespace, NVGRE reception included. */
    public Underlay(int localAddress) throws IOException {
        this(localAddress, true);
    }

    /**
     * @param receiveGre also receive NVGRE on a raw socket for IP protocol 47. Every raw socket gets a copy
     *                   of every GRE packet, so with several workers only one may receive it.
     */
    public Underlay(int localAddress, boolean receiveGre) throws IOException {
        this.local = localAddress;
        rx = (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_DGRAM | Native.SOCK_NONBLOCK, 0), "UDP socket");
        Native.setsockopt(rx, Native.SOL_SOCKET, Native.SO_REUSEADDR, 1);
        Native.setsockopt(rx, Native.SOL_SOCKET, SO_REUSEPORT, 1); // one socket per worker; the kernel spreads flows over them
        Native.setsockopt(rx, Native.SOL_SOCKET, Native.SO_RCVBUF, 4 << 20);
        Native.setsockopt(rx, SOL_UDP, UDP_GRO, 1); // runs of datagrams arrive as one buffer
        MemorySegment address = arena.allocate(SOCKADDR_IN);
        sockaddr(address, localAddress, 4789);
        Native.check(Native.bind(rx, address, (int) SOCKADDR_IN), "bind " + new dev.weft.net.Ipv4(localAddress) + ":4789");
        tx = (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_RAW | Native.SOCK_NONBLOCK, Native.IPPROTO_RAW), "raw IP socket");
        gre = receiveGre ? (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_RAW | Native.SOCK_NONBLOCK, 47), "raw GRE socket") : -1;
        for (int k = 0; k < SENDERS; k++) {
            senders[k] = (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_DGRAM, 0), "UDP sender socket");
            Native.setsockopt(senders[k], Native.SOL_SOCKET, Native.SO_REUSEADDR, 1);
            Native.setsockopt(senders[k], Native.SOL_SOCKET, SO_REUSEPORT, 1);
            Native.setsockopt(senders[k], Native.SOL_SOCKET, Native.SO_SNDBUF, 4 << 20);
            MemorySegment from = arena.allocate(SOCKADDR_IN);
            sockaddr(from, localAddress, 49152 + k);
            Native.check(Native.bind(senders[k], from, (int) SOCKADDR_IN), "bind the VXLAN sender " + (49152 + k));
        }
        Native.setsockopt(tx, Native.SOL_SOCKET, Native.SO_SNDBUF, 4 << 20);
        for (int k = 0; k < BURST; k++) {
            MemorySegment m = messages.asSlice(k * MMSGHDR, MMSGHDR);
            m.set(ValueLayout.ADDRESS, 0, addresses.asSlice(k * SOCKADDR_IN, SOCKADDR_IN));
            m.set(ValueLayout.JAVA_INT, 8, (int) SOCKADDR_IN);
            m.set(ValueLayout.ADDRESS, 16, iovecs.asSlice(k * IOVEC, IOVEC));
            m.set(ValueLayout.JAVA_LONG, 24, 1);
        }
    }

    private static void sockaddr(MemorySegment at, int address, int port) {
        at.fill((byte) 0);
        at.set(ValueLayout.JAVA_SHORT, 0, (short) Native.AF_INET);
        at.set(BE_SHORT, 2, (short) port);
        at.set(BE_INT, 4, address);
    }

    /** The sockets to wait on: VXLAN, and NVGRE when this underlay receives it. */
    public int[] fds() {
        return gre >= 0 ? new int[] {rx, gre} : new int[] {rx};
    }

    /** Receives what waits on socket {@code fd} (one of {@link #fds()}), as epoll reported it ready. */
    public int receive(PacketBatch batch, int fd) {
        return fd == gre ? receiveGre(batch) : fd == rx ? receiveVxlan(batch) : 0;
    }

    /** NVGRE: the raw socket delivers the outer IPv4 header and everything after it; an Ethernet header is put in front. */
    private int receiveGre(PacketBatch batch) {
        int room = Math.min(BURST, PacketBatch.CAPACITY - batch.count());
        if (room == 0) {
            return 0;
        }
        int first = batch.count();
        for (int k = 0; k < room; k++) {
            MemorySegment iov = iovecs.asSlice(k * IOVEC, IOVEC);
            long slot = (long) (first + k) * PacketBatch.SLOT + PacketBatch.HEADROOM + 14;
            iov.set(ValueLayout.ADDRESS, 0, batch.memory().asSlice(slot, PacketBatch.MAX_FRAME - 14));
            iov.set(ValueLayout.JAVA_LONG, 8, PacketBatch.MAX_FRAME - 14);
            messages.set(ValueLayout.JAVA_INT, k * MMSGHDR + 8, (int) SOCKADDR_IN);
        }
        int n = Native.recvmmsg(gre, messages, room, Native.MSG_DONTWAIT);
        for (int k = 0; k < n; k++) {
            int length = messages.get(ValueLayout.JAVA_INT, k * MMSGHDR + 56);
            int i = batch.commit(14 + length, PacketBatch.UNDERLAY);
            long s = batch.start[i];
            Bytes.mac(batch.memory(), s, 0);
            Bytes.mac(batch.memory(), s + 6, 0);
            Bytes.u16(batch.memory(), s + 12, 0x0800);
        }
        return Math.max(n, 0);
    }

    /**
     * Receives a burst of VXLAN datagrams into the batch, each behind a synthesized outer Ethernet/IPv4/UDP
     * header (source from the datagram's sender), so the pipeline decapsulates them like any underlay frame.
     */
    /**
     * Receives VXLAN with {@code UDP_GRO}: the kernel may hand over a run of datagrams from one sender as one
     * buffer (with the datagram size in a control message), which is split here, datagram by datagram, into
     * the batch, each behind a synthesized outer Ethernet/IPv4/UDP header so the pipeline decapsulates it
     * like any underlay frame.
     */
    private int receiveVxlan(PacketBatch batch) {
        int free = PacketBatch.CAPACITY - batch.count();
        int room = Math.min(GRO_BURST, free / 46); // a coalesced buffer may hold 45 datagrams
        if (room == 0) {
            return 0;
        }
        for (int k = 0; k < room; k++) {
            MemorySegment iov = iovecs.asSlice(k * IOVEC, IOVEC);
            iov.set(ValueLayout.ADDRESS, 0, groBuffers.asSlice((long) k * GRO_BUFFER, GRO_BUFFER));
            iov.set(ValueLayout.JAVA_LONG, 8, GRO_BUFFER);
            messages.set(ValueLayout.JAVA_INT, k * MMSGHDR + 8, (int) SOCKADDR_IN);
            messages.set(ValueLayout.ADDRESS, k * MMSGHDR + 32, groControl.asSlice(k * CMSG_SPACE, CMSG_SPACE));
            messages.set(ValueLayout.JAVA_LONG, k * MMSGHDR + 40, CMSG_SPACE);
        }
        int n = Native.recvmmsg(rx, messages, room, Native.MSG_DONTWAIT);
        int received = 0;
        for (int k = 0; k < n; k++) {
            int length = messages.get(ValueLayout.JAVA_INT, k * MMSGHDR + 56);
            long controlLength = messages.get(ValueLayout.JAVA_LONG, k * MMSGHDR + 40);
            int size = length;
            if (controlLength >= 20 && groControl.get(ValueLayout.JAVA_INT, k * CMSG_SPACE + 8) == SOL_UDP
                    && groControl.get(ValueLayout.JAVA_INT, k * CMSG_SPACE + 12) == UDP_GRO) {
                size = groControl.get(ValueLayout.JAVA_INT, k * CMSG_SPACE + 16);
            }
            int sender = addresses.get(BE_INT, k * SOCKADDR_IN + 4);
            int senderPort = addresses.get(BE_SHORT, k * SOCKADDR_IN + 2) & 0xffff;
            MemorySegment buffer = groBuffers.asSlice((long) k * GRO_BUFFER, GRO_BUFFER);
            for (int offset = 0; offset < length && size > 0 && !batch.full(); offset += size) {
                int payload = Math.min(size, length - offset);
                if (payload > PacketBatch.MAX_FRAME - 42) {
                    continue; // larger than a slot: dropped
                }
                MemorySegment.copy(buffer, offset, batch.memory(), (long) batch.count() * PacketBatch.SLOT + PacketBatch.HEADROOM + 42, payload);
                int i = batch.commit(42 + payload, PacketBatch.UNDERLAY);
                MemorySegment m = batch.memory();
                long s = batch.start[i];
                Bytes.mac(m, s, 0);
                Bytes.mac(m, s + 6, 0);
                Bytes.u16(m, s + 12, 0x0800);
                Bytes.u32(m, s + 14, 0x4500_0000 | (28 + payload));
                Bytes.u32(m, s + 18, 0);
                Bytes.u32(m, s + 22, (64 << 24) | (17 << 16));
                Bytes.u32(m, s + 26, sender);
                Bytes.u32(m, s + 30, local);
                Bytes.u16(m, s + 34, senderPort);
                Bytes.u16(m, s + 36, 4789);
                Bytes.u16(m, s + 38, 8 + payload);
                Bytes.u16(m, s + 40, 0);
                received++;
            }
        }
        for (int k = 0; k < room; k++) { // the GRE path shares the message array and expects no control buffer
            messages.set(ValueLayout.ADDRESS, k * MMSGHDR + 32, MemorySegment.NULL);
            messages.set(ValueLayout.JAVA_LONG, k * MMSGHDR + 40, 0);
        }
        return received;
    }

    /**
     * Sends the listed frames. VXLAN goes out of UDP sockets: runs of same-sized datagrams of one flow to
     * one host (the segments of one TCP offload frame) as a single UDP GSO message ({@code UDP_SEGMENT}),
     * so the kernel moves the run as one buffer; the socket (source port 49152–49159) follows the flow hash.
     * NVGRE goes out of the raw socket. Returns how many frames went.
     */
    public int send(PacketBatch batch, int[] indexes, int count) {
        int[] raw = new int[count];
        int rawCount = 0;
        int messages = 0;
        int iov = 0;
        int sent = 0;
        MemorySegment m = batch.memory();
        for (int n = 0; n < count; ) {
            int i = indexes[n];
            if (Bytes.u8(m, batch.start[i] + 23) != 17) { // not UDP: NVGRE
                raw[rawCount++] = i;
                n++;
                continue;
            }
            int size = batch.length[i] - 42;
            int run = 1;
            long total = size;
            while (n + run < count && run < 64) {
                int j = indexes[n + run];
                int next = batch.length[j] - 42;
                if (batch.outAddress[j] != batch.outAddress[i] || batch.hash[j] != batch.hash[i] || next > size
                        || total + next > MAX_GSO_PAYLOAD || Bytes.u8(m, batch.start[j] + 23) != 17
                        || batch.length[indexes[n + run - 1]] - 42 != size) {
                    break;
                }
                total += next;
                run++;
            }
            MemorySegment message = gsoMessages.asSlice(messages * MMSGHDR, MMSGHDR);
            MemorySegment address = gsoAddresses.asSlice(messages * SOCKADDR_IN, SOCKADDR_IN);
            sockaddr(address, batch.outAddress[i], 4789);
            for (int k = 0; k < run; k++) {
                int j = indexes[n + k];
                MemorySegment vec = gsoIovecs.asSlice((iov + k) * IOVEC, IOVEC);
                vec.set(ValueLayout.ADDRESS, 0, m.asSlice(batch.start[j] + 42, batch.length[j] - 42));
                vec.set(ValueLayout.JAVA_LONG, 8, batch.length[j] - 42);
            }
            message.set(ValueLayout.ADDRESS, 0, address);
            message.set(ValueLayout.JAVA_INT, 8, (int) SOCKADDR_IN);
            message.set(ValueLayout.ADDRESS, 16, gsoIovecs.asSlice(iov * IOVEC, IOVEC * run));
            message.set(ValueLayout.JAVA_LONG, 24, run);
            if (run > 1) {
                MemorySegment control = gsoControl.asSlice(messages * CMSG_SPACE, CMSG_SPACE);
                control.set(ValueLayout.JAVA_LONG, 0, 18);          // cmsg_len: header + 2 bytes
                control.set(ValueLayout.JAVA_INT, 8, SOL_UDP);
                control.set(ValueLayout.JAVA_INT, 12, UDP_SEGMENT);
                control.set(ValueLayout.JAVA_SHORT, 16, (short) size);
                message.set(ValueLayout.ADDRESS, 32, control);
                message.set(ValueLayout.JAVA_LONG, 40, CMSG_SPACE);
            } else {
                message.set(ValueLayout.ADDRESS, 32, MemorySegment.NULL);
                message.set(ValueLayout.JAVA_LONG, 40, 0);
            }
            message.set(ValueLayout.JAVA_INT, 48, 0);
            runSocket[messages] = senders[batch.hash[i] & (SENDERS - 1)];
            messages++;
            iov += run;
            sent += run;
            n += run;
        }
        // one sendmmsg per socket, for the messages that go out of it, in order
        for (int k = 0; k < SENDERS; k++) {
            int first = -1;
            for (int q = 0; q <= messages; q++) {
                boolean mine = q < messages && runSocket[q] == senders[k];
                if (mine && first < 0) {
                    first = q;
                } else if (!mine && first >= 0) {
                    Native.sendmmsg(senders[k], gsoMessages.asSlice(first * MMSGHDR, (q - first) * MMSGHDR), q - first, 0);
                    first = -1;
                }
            }
        }
        return sent + sendRaw(batch, raw, rawCount);
    }

    /** Sends frames (each starting at its outer Ethernet header) through the raw socket, one sendmmsg per burst. */
    private int sendRaw(PacketBatch batch, int[] indexes, int count) {
        int sent = 0;
        for (int from = 0; from < count; from += BURST) {
            int n = Math.min(BURST, count - from);
            for (int k = 0; k < n; k++) {
                int i = indexes[from + k];
                MemorySegment iov = iovecs.asSlice(k * IOVEC, IOVEC);
                iov.set(ValueLayout.ADDRESS, 0, batch.memory().asSlice(batch.start[i] + 14, batch.length[i] - 14));
                iov.set(ValueLayout.JAVA_LONG, 8, batch.length[i] - 14);
                sockaddr(addresses.asSlice(k * SOCKADDR_IN, SOCKADDR_IN), batch.outAddress[i], 0);
                messages.set(ValueLayout.JAVA_INT, k * MMSGHDR + 8, (int) SOCKADDR_IN);
            }
            int done = Native.sendmmsg(tx, messages, n, 0);
            sent += Math.max(done, 0);
        }
        return sent;
    }

    @Override
    public void close() {
        Native.close(rx);
        Native.close(tx);
        for (int sender : senders) {
            Native.close(sender);
        }
        if (gre >= 0) {
            Native.close(gre);
        }
        arena.close();
    }
}
