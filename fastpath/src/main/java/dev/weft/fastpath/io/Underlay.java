package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.ForwardingTables;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The host's underlay: VXLAN received on a UDP socket bound to its provider address, port 4789, with
 * {@code recvmmsg} and UDP GRO, and NVGRE on a raw socket for IP protocol 47. VXLAN is sent from one of
 * eight UDP sockets bound to source ports 49152–49159, chosen by the inner flow hash so the source port
 * carries entropy as RFC 7348 asks; NVGRE through a raw IP socket with the outer IPv4 header the
 * {@code nvgre-encap} node built. Every send is a {@code sendmmsg}.
 */
public final class Underlay implements AutoCloseable {

    private static final int BURST = 64;
    private static final int SO_REUSEPORT = 15;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    /** VXLAN goes out of one of these UDP sockets, bound to source ports 49152.., chosen by the inner flow hash. */
    private static final int SENDERS = 8;
    private static final int MAX_GSO_PAYLOAD = 65000;
    private static final int UDP_GRO = 104;
    private static final int GRO_BURST = 4;
    private static final long GRO_BUFFER = 65536;

    /** Datagrams larger than a batch slot, dropped on receive. */
    public volatile long oversized;
    /** VXLAN datagrams received carrying a whole GSO frame (TCP, or a USO frame's datagrams), taken as one frame. */
    public volatile long wholeReceived;
    /**
     * Datagrams of a coalesced receive the batch had no room left for, dropped: a run of more than {@link #WHOLE_DATAGRAMS}
     * (a NIC's UDP GRO coalesces up to 64; a Weft sends at most {@link #WHOLE_DATAGRAMS} in one {@code UDP_SEGMENT}
     * message).
     */
    public volatile long noRoom;
    /** Where GSO frames leave whole (GSO over the UDP tunnel), or null: they are cut and leave as a UDP GSO run. */
    private final TunnelGso tunnel;
    /** Why {@link #tunnel} is null ("" when it isn't). */
    private final String tunnelUnavailable;
    /**
     * A received VXLAN datagram whose inner IPv4 TCP packet is longer than this is taken for a whole GSO frame: its checksum
     * may be partial (it is computed where it leaves), and it is cut, where it must be, at the segment size this MTU leaves
     * for TCP. Nothing else says how the sender's VM cut it: on a real wire the kernel or NIC has already.
     */
    static final int RECEIVED_GSO_MTU = 1500;
    /**
     * The most segments a receive buffer's frame may be cut into: 64 kB of 1,200-byte datagrams (QUIC's smallest), more than
     * a 64 kB TCP frame's 46 segments. A receive keeps this many slots (and one) free per buffer, so a UDP GSO frame leaves
     * whole only with as many datagrams at most.
     */
    public static final int WHOLE_DATAGRAMS = 54;
    private final int rx;
    private final int gre;
    private final int tx;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment messages = arena.allocate(Structs.MMSGHDR, BURST);
    private final MemorySegment iovecs = arena.allocate(Structs.IOVEC, BURST);
    private final MemorySegment addresses = arena.allocate(Structs.SOCKADDR_IN, BURST);
    private final int[] senders = new int[SENDERS];
    private final MemorySegment gsoMessages = arena.allocate(Structs.MMSGHDR, PacketBatch.CAPACITY);
    private final MemorySegment gsoIovecs = arena.allocate(Structs.IOVEC, 2L * PacketBatch.CAPACITY); // a split frame takes two
    private final MemorySegment gsoAddresses = arena.allocate(Structs.SOCKADDR_IN, PacketBatch.CAPACITY);
    private final MemorySegment gsoControl = arena.allocate(Structs.CMSG, PacketBatch.CAPACITY);
    private final int[] runSocket = new int[PacketBatch.CAPACITY];
    private final int[] raw = new int[PacketBatch.CAPACITY];
    private final MemorySegment groBuffers = arena.allocate(GRO_BUFFER * GRO_BURST, 64);
    private final MemorySegment[] groBuffer = java.util.stream.IntStream.range(0, GRO_BURST)
            .mapToObj(k -> groBuffers.asSlice(k * GRO_BUFFER, GRO_BUFFER)).toArray(MemorySegment[]::new);
    private final MemorySegment groControl = arena.allocate(Structs.CMSG, GRO_BURST);
    /** The buffers of the current receive: the batch's (frames may refer to them) or this underlay's own (copied from). */
    private final MemorySegment[] groInto = new MemorySegment[GRO_BURST];
    private final boolean[] groKept = new boolean[GRO_BURST];
    private final boolean[] groReferred = new boolean[GRO_BURST];
    /** A TCP segment larger than this is split on receive: its headers into the slot, the rest left in the buffer it arrived in. */
    private static final int SPLIT_ABOVE = 512;

    /** Opens the sockets in the calling thread's network namespace, NVGRE reception included. */
    public Underlay(int localAddress) throws IOException {
        this(localAddress, true);
    }

    /**
     * @param receiveGre also receive NVGRE on a raw socket for IP protocol 47. Every raw socket gets a copy
     *                   of every GRE packet, so with several workers only one may receive it.
     */
    public Underlay(int localAddress, boolean receiveGre) throws IOException {
        int sockaddrSize = (int) Structs.SOCKADDR_IN.byteSize();
        rx = (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_DGRAM | Native.SOCK_NONBLOCK, 0), "UDP socket");
        Native.setsockopt(rx, Native.SOL_SOCKET, Native.SO_REUSEADDR, 1);
        Native.setsockopt(rx, Native.SOL_SOCKET, SO_REUSEPORT, 1); // one socket per worker; the kernel spreads flows over them
        Native.setsockopt(rx, Native.SOL_SOCKET, Native.SO_RCVBUF, 4 << 20);
        Native.setsockopt(rx, SOL_UDP, UDP_GRO, 1); // runs of datagrams arrive as one buffer
        MemorySegment address = arena.allocate(Structs.SOCKADDR_IN);
        Structs.sockaddr(address, 0, localAddress, 4789);
        Native.check(Native.bind(rx, address, sockaddrSize), "bind " + new dev.weft.net.Ipv4(localAddress) + ":4789");
        tx = (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_RAW | Native.SOCK_NONBLOCK, Native.IPPROTO_RAW), "raw IP socket");
        gre = receiveGre ? (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_RAW | Native.SOCK_NONBLOCK, 47), "raw GRE socket") : -1;
        for (int k = 0; k < SENDERS; k++) {
            senders[k] = (int) Native.check(Native.socket(Native.AF_INET, Native.SOCK_DGRAM, 0), "UDP sender socket");
            Native.setsockopt(senders[k], Native.SOL_SOCKET, Native.SO_REUSEADDR, 1);
            Native.setsockopt(senders[k], Native.SOL_SOCKET, SO_REUSEPORT, 1);
            Native.setsockopt(senders[k], Native.SOL_SOCKET, Native.SO_SNDBUF, 4 << 20);
            MemorySegment from = arena.allocate(Structs.SOCKADDR_IN);
            Structs.sockaddr(from, 0, localAddress, 49152 + k);
            Native.check(Native.bind(senders[k], from, sockaddrSize), "bind the VXLAN sender " + (49152 + k));
        }
        Native.setsockopt(tx, Native.SOL_SOCKET, Native.SO_SNDBUF, 4 << 20);
        TunnelGso opened = null;
        String why = "turned off (weft.underlay.tunnelGso=false)";
        if (Boolean.parseBoolean(System.getProperty("weft.underlay.tunnelGso", "true"))) {
            try {
                opened = TunnelGso.open(localAddress);
                why = "";
            } catch (IOException e) {
                why = e.getMessage();
            }
        }
        tunnel = opened;
        tunnelUnavailable = why;
        for (int k = 0; k < BURST; k++) {
            Structs.message(messages, k, addresses, k, iovecs, k, 1, groControl, -1);
        }
    }

    /** Why GSO frames are cut before they leave ("" when they aren't): the kernel's or the host's reason. */
    public String tunnelUnavailable() {
        return tunnelUnavailable;
    }

    /** GSO frames the kernel refused to take whole (dropped). */
    public long tunnelRefused() {
        return tunnel == null ? 0 : tunnel.refused;
    }

    /** GSO frames sent whole through the tunnel device. */
    public long tunnelSent() {
        return tunnel == null ? 0 : tunnel.sent;
    }

    /** The tunnel device GSO frames leave whole through ({@code weftgsoN}), or null when they are cut ({@link #tunnelUnavailable}). */
    public String tunnelDevice() {
        return tunnel == null ? null : tunnel.name();
    }

    /** The sockets to wait on: VXLAN, and NVGRE when this underlay receives it. */
    public int[] fds() {
        return gre >= 0 ? new int[] {rx, gre} : new int[] {rx};
    }

    /** Receives what waits on socket {@code fd} (one of {@link #fds()}), as epoll reported it ready. */
    public int receive(PacketBatch batch, int fd) {
        return fd == gre ? receiveGre(batch) : fd == rx ? receiveVxlan(batch) : 0;
    }

    /** NVGRE: the raw socket delivers the outer IPv4 header and everything after it, which {@code gre-input} checks. */
    private int receiveGre(PacketBatch batch) {
        int room = Math.min(BURST, batch.room());
        if (room == 0) {
            return 0;
        }
        int first = batch.count();
        for (int k = 0; k < room; k++) {
            long slot = (long) (first + k) * PacketBatch.SLOT + PacketBatch.HEADROOM;
            Structs.iovec(iovecs, k, batch.memory(), slot, PacketBatch.MAX_FRAME);
            Structs.resetLengths(messages, k, 0);
        }
        int n = Native.recvmmsg(gre, messages, room, Native.MSG_DONTWAIT);
        for (int k = 0; k < n; k++) {
            batch.commit(Structs.messageLength(messages, k), PacketBatch.UNDERLAY_GRE);
        }
        return Math.max(n, 0);
    }

    /**
     * Receives VXLAN with {@code UDP_GRO}: the kernel may hand over a run of datagrams from one sender as one
     * buffer (with the datagram size in a control message), which is split here, datagram by datagram, into
     * the batch: each datagram's payload (VXLAN header and inner frame) with its sender's address in
     * {@code underlaySource}, for {@code vxlan-input}. The buffers are the batch's ({@link PacketBatch#buffer()}) while
     * it has them: a datagram carrying a TCP segment of more than {@link #SPLIT_ABOVE} bytes then becomes a split frame,
     * its headers copied into the slot and the rest left where it arrived.
     */
    private int receiveVxlan(PacketBatch batch) {
        int free = batch.room();
        int room = Math.min(GRO_BURST, free / (WHOLE_DATAGRAMS + 1)); // a buffer may hold a frame of that many segments
        if (room == 0) {
            return 0;
        }
        for (int k = 0; k < room; k++) {
            MemorySegment into = batch.buffer();
            groKept[k] = into != null;
            groReferred[k] = false;
            groInto[k] = into != null ? into : groBuffer[k]; // a batch's buffer holds GRO_BUFFER and more
            Structs.iovec(iovecs, k, groInto[k], 0, GRO_BUFFER);
            Structs.message(messages, k, addresses, k, iovecs, k, 1, groControl, k);
        }
        int n = Native.recvmmsg(rx, messages, room, Native.MSG_DONTWAIT);
        int received = 0;
        for (int k = 0; k < n; k++) {
            int length = Structs.messageLength(messages, k);
            int size = Structs.controlLength(messages, k) >= Structs.CMSG_HEADER + 4
                    ? Structs.controlInt(groControl, k, SOL_UDP, UDP_GRO, length) : length;
            int sender = Structs.sockaddrAddress(addresses, k);
            MemorySegment buffer = groInto[k];
            if (size < length && wholeUdp(buffer, length)) { // one VM's UDP send, whole (GSO over the UDP tunnel), size its datagrams'
                int i = groKept[k] ? takeWholeUdp(batch, buffer, length, size, sender) : -1;
                if (i < 0) {
                    oversized++;
                } else {
                    groReferred[k] = true;
                    received++;
                    wholeReceived++;
                }
                continue;
            }
            int offset = 0;
            for (; offset < length && size > 0 && !batch.full(); offset += size) {
                int i = take(batch, buffer, offset, Math.min(size, length - offset), sender, groKept[k]);
                if (i < 0) {
                    oversized++; // dropped and counted
                } else {
                    groReferred[k] |= batch.tail[i] != null;
                    received++;
                    wholeReceived += batch.gsoSize[i] > 0 ? 1 : 0;
                }
            }
            if (offset < length && size > 0) {
                noRoom += (length - offset + size - 1) / size;
            }
        }
        for (int k = room - 1; k >= 0 && groKept[k] && !groReferred[k]; k--) { // the last buffers no frame refers to go back
            batch.unbuffer();
        }
        for (int k = 0; k < room; k++) { // the GRE and NVGRE send paths share the message array and expect no control buffer
            Structs.message(messages, k, addresses, k, iovecs, k, 1, groControl, -1);
        }
        return received;
    }

    /**
     * Adds the received VXLAN datagram at {@code buffer[offset, offset + payload)} (its VXLAN header and inner frame) from
     * {@code sender} to the batch, as {@code vxlan-input} takes it: copied into a slot; a TCP segment of more than
     * {@link #SPLIT_ABOVE} bytes as a split frame (headers in the slot, the rest left in {@code buffer}) when {@code refer}
     * ({@code buffer} stays as it is until the batch is cleared); one whose inner IPv4 packet is longer than
     * {@link #RECEIVED_GSO_MTU} as a {@link PacketBatch#gsoSize GSO frame} (with {@code refer} only). Returns its index, or
     * -1 when it can't be taken (larger than a slot and not such a frame): the caller counts it as oversized. The caller
     * takes a datagram only while the batch is not {@link PacketBatch#full() full}.
     */
    public static int take(PacketBatch batch, MemorySegment buffer, int offset, int payload, int sender, boolean refer) {
        int head = payload > SPLIT_ABOVE ? tcpHeaders(buffer, offset, payload) : payload;
        if (payload > PacketBatch.MAX_FRAME || head < payload && innerLength(buffer, offset) > RECEIVED_GSO_MTU) {
            // a whole TCP GSO frame (GSO over the UDP tunnel, not cut on its way; its checksum partial), or too large
            return !refer || head == payload ? -1 : gsoFrame(batch, buffer, offset, payload, head, sender);
        }
        if (!refer) {
            head = payload;
        }
        MemorySegment.copy(buffer, offset, batch.memory(), batch.nextSlotAt(), head);
        int i = batch.commit(head, head < payload ? buffer.asSlice(offset + head, payload - head) : null, PacketBatch.UNDERLAY);
        batch.underlaySource[i] = sender;
        return i;
    }

    /**
     * Adds the VXLAN datagram at {@code buffer[offset, offset + length)} as a {@link PacketBatch#gsoSize GSO frame} when it
     * carries one IPv4 TCP frame whole, as a sender's GSO over the UDP tunnel leaves it where nothing cut it (a veth pair):
     * its headers into the slot, its payload left in the buffer, cut (if it must be) at the segment size a
     * {@link #RECEIVED_GSO_MTU}-byte MTU gives. The graph checks the headers. Returns its index, or -1 when it isn't such a
     * datagram.
     */
    private static int gsoFrame(PacketBatch batch, MemorySegment buffer, int offset, int length, int headers, int sender) {
        if (length > 8 + PacketBatch.MAX_GSO_FRAME) {
            return -1;
        }
        int l3 = l3(buffer, offset);
        int l4 = l3 + (dev.weft.fastpath.packet.Bytes.u8(buffer, offset + l3) & 0x0f) * 4;
        int mss = RECEIVED_GSO_MTU - (headers - l3);
        MemorySegment.copy(buffer, offset, batch.memory(), batch.nextSlotAt(), headers);
        int i = batch.commitGso(headers, buffer.asSlice(offset + headers, length - headers), mss, l3, l4, PacketBatch.UNDERLAY);
        if (i >= 0) {
            batch.underlaySource[i] = sender;
        }
        return i;
    }

    /**
     * Whether the VXLAN datagram at {@code buffer[0, length)}, which the kernel reported as a run of datagrams, is one inner
     * IPv4 UDP packet as long as the whole buffer: a VM's UDP segmentation-offload frame sent whole by another Weft
     * ({@link TunnelGso}) and carried whole by the kernel (a veth pair), whose segment size is its datagrams'. A run of
     * VXLAN datagrams' first inner packet ends at the first datagram's end, before the buffer's: a Weft never sends an inner
     * packet longer than its datagram ({@code ip4-input} drops a frame whose IPv4 length is more than it carries), so a run
     * of several flows' datagrams can't pass for one frame.
     */
    public static boolean wholeUdp(MemorySegment buffer, int length) {
        if (length < 8 + 14 + 28) {
            return false;
        }
        int l3 = l3(buffer, 0);
        if (length < l3 + 28 || dev.weft.fastpath.packet.Bytes.u16(buffer, l3 - 2) != 0x0800) {
            return false;
        }
        int versionIhl = dev.weft.fastpath.packet.Bytes.u8(buffer, l3);
        return versionIhl >>> 4 == 4 && (versionIhl & 0x0f) >= 5 && dev.weft.fastpath.packet.Bytes.u8(buffer, l3 + 9) == Parser.UDP
                && l3 + innerLength(buffer, 0) == length && l3 + (versionIhl & 0x0f) * 4 + 8 < length;
    }

    /**
     * Adds the {@link #wholeUdp whole UDP frame} at {@code buffer[0, length)} as a {@link PacketBatch#gsoSize GSO frame} of
     * {@code size}-byte datagrams: its headers into the slot, its payload left in the buffer (which stays the batch's). Returns
     * its index, or -1 when the batch hasn't room for its datagrams or they don't fit a slot.
     */
    public static int takeWholeUdp(PacketBatch batch, MemorySegment buffer, int length, int size, int sender) {
        int l3 = l3(buffer, 0);
        int l4 = l3 + (dev.weft.fastpath.packet.Bytes.u8(buffer, l3) & 0x0f) * 4;
        int headers = l4 + 8;
        if (length > 8 + PacketBatch.MAX_GSO_FRAME || size <= 0 || length - headers <= size) {
            return -1;
        }
        MemorySegment.copy(buffer, 0, batch.memory(), batch.nextSlotAt(), headers);
        int i = batch.commitGso(headers, buffer.asSlice(headers, length - headers), size, l3, l4, PacketBatch.UNDERLAY);
        if (i >= 0) {
            batch.underlaySource[i] = sender;
        }
        return i;
    }

    /** Where the inner IPv4 header of the VXLAN datagram at {@code buffer[offset..]} starts: after VXLAN, Ethernet and any VLAN tag. */
    private static int l3(MemorySegment buffer, int offset) {
        return 8 + (dev.weft.fastpath.packet.Bytes.u16(buffer, offset + 8 + 12) == 0x8100 ? 18 : 14);
    }

    /** The inner IPv4 packet's length, from the VXLAN datagram at {@code buffer[offset..]}. */
    private static int innerLength(MemorySegment buffer, int offset) {
        return dev.weft.fastpath.packet.Bytes.u16(buffer, offset + l3(buffer, offset) + 2);
    }

    /**
     * Whether frame {@code i} (a {@link PacketBatch#gsoSize GSO frame} from its VXLAN header on) leaves whole: when the
     * kernel takes GSO over the UDP tunnel, and its IPv4 packet is longer than {@link #RECEIVED_GSO_MTU} bytes, which is how
     * a receiver tells a whole TCP GSO frame (whose checksum is partial) from a plain one; a UDP one when it has at most
     * {@link #WHOLE_DATAGRAMS} datagrams (a receiver knows it by the segment size the kernel reports with it).
     */
    public boolean sendsWhole(PacketBatch b, int i) {
        return tunnel != null && overMtu(b, i) && (b.protocol[i] != Parser.UDP || b.segments(i) <= WHOLE_DATAGRAMS);
    }

    /** Whether frame {@code i}'s inner IPv4 packet (from its VXLAN header on) is longer than {@link #RECEIVED_GSO_MTU} bytes. */
    public static boolean overMtu(PacketBatch b, int i) {
        return b.length[i] - 8 - b.l3[i] > RECEIVED_GSO_MTU;
    }

    /**
     * The bytes of the VXLAN datagram at {@code buffer[offset, offset + length)} up to the end of its inner TCP header, when
     * it carries an IPv4 TCP segment with payload (with or without a VLAN tag) whose headers fit a parse; else {@code length}
     * (the whole datagram goes into the slot). A guess from bytes not yet checked: the graph parses and checks the headers,
     * which are in the slot either way, and nothing past them is read but by linear nodes.
     */
    static int tcpHeaders(MemorySegment buffer, int offset, int length) {
        int l3 = 8 + 14;
        if (dev.weft.fastpath.packet.Bytes.u16(buffer, offset + 8 + 12) == 0x8100) {
            l3 += 4;
        }
        if (length < l3 + 40 || dev.weft.fastpath.packet.Bytes.u16(buffer, offset + l3 - 2) != 0x0800) {
            return length;
        }
        int versionIhl = dev.weft.fastpath.packet.Bytes.u8(buffer, offset + l3);
        int ihl = (versionIhl & 0x0f) * 4;
        if (versionIhl >>> 4 != 4 || ihl < 20 || dev.weft.fastpath.packet.Bytes.u8(buffer, offset + l3 + 9) != 6 || length < l3 + ihl + 20) {
            return length;
        }
        int headers = l3 + ihl + (dev.weft.fastpath.packet.Bytes.u8(buffer, offset + l3 + ihl + 12) >>> 4) * 4;
        return headers < length && headers <= 8 + Segmenter.MAX_HEADERS ? headers : length;
    }

    /**
     * Sends the listed frames, as the encapsulation nodes left them. VXLAN (from its VXLAN header on) goes
     * out of UDP sockets: runs of same-sized datagrams of one flow to one host (the segments of one TCP
     * offload frame) as a single UDP GSO message ({@code UDP_SEGMENT}), so the kernel moves the run as one
     * buffer; the socket (source port 49152–49159) follows the flow hash. NVGRE (from its outer IPv4 header
     * on) goes out of the raw socket. Returns how many frames went.
     */
    public int send(PacketBatch batch, int[] indexes, int count) {
        int rawCount = 0;
        int messages = 0;
        int iov = 0;
        int sent = 0;
        MemorySegment m = batch.memory();
        for (int n = 0; n < count; ) {
            int i = indexes[n];
            if (batch.encap[i] == ForwardingTables.NVGRE) {
                raw[rawCount++] = i;
                n++;
                continue;
            }
            if (batch.gsoSize[i] > 0) { // the worker leaves a GSO frame whole only when the tunnel can take it
                flush(messages); // what came before it (of its flow too) leaves before it: a flow's segments stay in order
                messages = 0;
                iov = 0;
                sent += tunnel.send(batch, i, 49152 + (batch.hash[i] & (SENDERS - 1))) ? 1 : 0;
                n++;
                continue;
            }
            int size = batch.length[i];
            int run = 1;
            long total = size;
            while (n + run < count && run < WHOLE_DATAGRAMS) { // a receiver keeps room for that many
                int j = indexes[n + run];
                int next = batch.length[j];
                if (batch.outAddress[j] != batch.outAddress[i] || batch.hash[j] != batch.hash[i] || next > size || batch.gsoSize[j] > 0
                        || total + next > MAX_GSO_PAYLOAD || batch.encap[j] == ForwardingTables.NVGRE
                        || batch.length[indexes[n + run - 1]] != size) {
                    break;
                }
                total += next;
                run++;
            }
            Structs.sockaddr(gsoAddresses, messages, batch.outAddress[i], 4789);
            int first = iov;
            for (int k = 0; k < run; k++) { // a split frame goes as its slot's part and its tail: the kernel copies both
                int j = indexes[n + k];
                int inline = batch.inline(j);
                Structs.iovec(gsoIovecs, iov++, m, batch.start[j], inline);
                if (batch.tail[j] != null) {
                    Structs.iovec(gsoIovecs, iov++, batch.tail[j], batch.tail[j].byteSize());
                }
            }
            if (run > 1) {
                Structs.controlShort(gsoControl, messages, SOL_UDP, UDP_SEGMENT, (short) size);
            }
            Structs.message(gsoMessages, messages, gsoAddresses, messages, gsoIovecs, first, iov - first, gsoControl, run > 1 ? messages : -1);
            runSocket[messages] = senders[batch.hash[i] & (SENDERS - 1)];
            messages++;
            sent += run;
            n += run;
        }
        flush(messages);
        return sent + sendRaw(batch, raw, rawCount);
    }

    /** Sends the first {@code messages} VXLAN messages: one sendmmsg per socket, for the messages that go out of it, in order. */
    private void flush(int messages) {
        long messageSize = Structs.MMSGHDR.byteSize();
        for (int k = 0; k < SENDERS && messages > 0; k++) {
            int first = -1;
            for (int q = 0; q <= messages; q++) {
                boolean mine = q < messages && runSocket[q] == senders[k];
                if (mine && first < 0) {
                    first = q;
                } else if (!mine && first >= 0) {
                    Native.sendmmsg(senders[k], gsoMessages.asSlice(first * messageSize, (q - first) * messageSize), q - first, 0);
                    first = -1;
                }
            }
        }
    }

    /** Sends NVGRE frames (each starting at its outer IPv4 header) through the raw socket, one sendmmsg per burst. */
    private int sendRaw(PacketBatch batch, int[] indexes, int count) {
        int sent = 0;
        for (int from = 0; from < count; from += BURST) {
            int n = Math.min(BURST, count - from);
            for (int k = 0; k < n; k++) {
                int i = indexes[from + k];
                Structs.iovec(iovecs, k, batch.memory(), batch.start[i], batch.length[i]);
                Structs.sockaddr(addresses, k, batch.outAddress[i], 0);
                Structs.resetLengths(messages, k, 0);
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
        if (tunnel != null) {
            tunnel.close();
        }
        arena.close();
    }
}
