package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.PacketBatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The host's device on a logical network (its uplink, e.g. {@code eth1}), through an {@code AF_PACKET} socket
 * bound to it, beside the kernel, which has no address there. Frames move through memory-mapped TPACKET_V2
 * rings shared with the kernel: a worker takes received frames where the kernel wrote them and queues frames
 * to send where the kernel reads them, one {@code send} per batch. Frames carry a virtio-net header
 * ({@code PACKET_VNET_HDR}), as on a TAP device: a frame the kernel hands over unsegmented (GSO) or with its
 * checksum left to offload is segmented and completed by {@link Segmenter}, so the pipeline always sees
 * wire-ready frames. The receiving socket ignores what it sends itself, and drops frames the kernel saw with
 * a VLAN tag (the uplink is the untagged network). Each worker sends through a socket of its own (a TX ring
 * has one writer); one of them also receives.
 */
public final class UplinkDevice implements AutoCloseable {

    private static final int AF_PACKET = 17;
    private static final int ETH_P_ALL = 3;
    private static final int SOL_PACKET = 263;
    private static final int PACKET_RX_RING = 5;
    private static final int PACKET_VERSION = 10;
    private static final int PACKET_TX_RING = 13;
    private static final int PACKET_VNET_HDR = 15;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int TPACKET_V2 = 1;
    private static final long SIOCGIFHWADDR = 0x8927;
    private static final int TP_STATUS_KERNEL = 0;
    private static final int TP_STATUS_USER = 1;
    private static final int TP_STATUS_COPY = 2;
    private static final int TP_STATUS_VLAN_VALID = 0x10;
    private static final int TP_STATUS_AVAILABLE = 0;
    private static final int TP_STATUS_SEND_REQUEST = 1;
    private static final int TP_STATUS_WRONG_FORMAT = 4;

    /** RX: frames large enough for a 64 kB GSO frame after the kernel's header and our virtio-net header. */
    static final int RX_FRAME = 17 * 4096;
    static final int RX_FRAMES = 32;
    /** TX: a batch slot's frame (at most {@link PacketBatch#MAX_FRAME}) after the header and the virtio-net header. */
    static final int TX_FRAME = 2048;
    static final int TX_FRAMES = 256;

    private final int fd;
    private final String name;
    private final long mac;
    private final boolean receives;
    private final MemorySegment rings;
    private final MemorySegment rx;
    private final MemorySegment tx;
    private int rxHead;
    private int txHead;
    private int queued;
    public volatile long framesRead;
    public volatile long framesSent;
    public volatile long malformed;
    /** Unicast frames for other stations (a switch floods them until it learns where they are), skipped unread. */
    public volatile long foreign;
    /** Frames not sent: the TX ring was full, or the kernel refused one (wrong format). */
    public volatile long sendFailures;

    /** A packet socket without rings on the same device, for GSO frames sent whole (they don't fit a TX ring frame). */
    private final int whole;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment wholeHeader = arena.allocate(Segmenter.VNET_HEADER + Segmenter.MAX_HEADERS, 8);
    private final MemorySegment wholeIovecs = arena.allocate(Structs.IOVEC, 2);
    private final int[] wholeRun = new int[1];

    private UplinkDevice(int fd, int whole, String name, long mac, boolean receives, MemorySegment rings) {
        this.fd = fd;
        this.whole = whole;
        this.name = name;
        this.mac = mac;
        this.receives = receives;
        this.rings = rings;
        long rxSize = receives ? (long) RX_FRAME * RX_FRAMES : 0;
        this.rx = rings.asSlice(0, rxSize);
        this.tx = rings.asSlice(rxSize, (long) TX_FRAME * TX_FRAMES);
    }

    /**
     * Opens a packet socket on interface {@code name} of the calling thread's network namespace, with a TX ring,
     * and when {@code receives} an RX ring that gets every frame arriving on the interface.
     */
    public static UplinkDevice open(String name, boolean receives) throws IOException {
        int index = Native.ifNameToIndex(name);
        if (index == 0) {
            throw new IOException("no interface " + name + " for the uplink");
        }
        int protocol = receives ? Short.reverseBytes((short) ETH_P_ALL) & 0xffff : 0; // 0: a socket that receives nothing
        int fd = (int) Native.check(Native.socket(AF_PACKET, Native.SOCK_RAW | Native.SOCK_NONBLOCK, protocol), "packet socket on " + name);
        try (Arena arena = Arena.ofConfined()) {
            check(fd, Native.setsockopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1), "PACKET_VNET_HDR on " + name);
            check(fd, Native.setsockopt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2), "TPACKET_V2 on " + name);
            MemorySegment req = arena.allocate(Structs.TPACKET_REQ);
            if (receives) {
                Structs.tpacketReq(req, RX_FRAME, RX_FRAMES, RX_FRAME, RX_FRAMES);
                check(fd, Native.setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req), "PACKET_RX_RING on " + name);
            }
            Structs.tpacketReq(req, 2 * TX_FRAME, TX_FRAMES / 2, TX_FRAME, TX_FRAMES);
            check(fd, Native.setsockopt(fd, SOL_PACKET, PACKET_TX_RING, req), "PACKET_TX_RING on " + name);
            MemorySegment address = arena.allocate(Structs.SOCKADDR_LL);
            Structs.sockaddrLl(address, receives ? ETH_P_ALL : 0, index);
            check(fd, Native.bind(fd, address, (int) Structs.SOCKADDR_LL.byteSize()), "bind a packet socket to " + name);
            if (receives) {
                Native.setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
            }
            MemorySegment ifreq = arena.allocate(Structs.IFREQ);
            ifreq.setString(Structs.IFR_NAME, name);
            check(fd, Native.ioctl(fd, SIOCGIFHWADDR, ifreq), "SIOCGIFHWADDR " + name);
            long mac = 0;
            for (int k = 0; k < 6; k++) {
                mac = mac << 8 | (ifreq.get(ValueLayout.JAVA_BYTE, Structs.IFR_HWADDR + k) & 0xff);
            }
            long size = (receives ? (long) RX_FRAME * RX_FRAMES : 0) + (long) TX_FRAME * TX_FRAMES;
            MemorySegment rings = Native.mmap(fd, size);
            if (rings.byteSize() == 0) {
                int errno = Native.errno();
                Native.close(fd);
                throw new IOException("mmap the rings of " + name + ": " + Native.strerror(errno));
            }
            try {
                int whole = (int) Native.check(Native.socket(AF_PACKET, Native.SOCK_RAW, 0), "packet socket on " + name);
                check(whole, Native.setsockopt(whole, SOL_PACKET, PACKET_VNET_HDR, 1), "PACKET_VNET_HDR on " + name);
                Structs.sockaddrLl(address, 0, index);
                check(whole, Native.bind(whole, address, (int) Structs.SOCKADDR_LL.byteSize()), "bind a packet socket to " + name);
                return new UplinkDevice(fd, whole, name, mac, receives, rings);
            } catch (IOException e) { // the ring socket and its rings go too
                Native.munmap(rings);
                Native.close(fd);
                throw e;
            }
        }
    }

    private static void check(int fd, int result, String what) throws IOException {
        if (result < 0) {
            int errno = Native.errno();
            Native.close(fd);
            throw new IOException(what + ": " + Native.strerror(errno));
        }
    }

    public int fd() {
        return fd;
    }

    public String name() {
        return name;
    }

    public boolean receives() {
        return receives;
    }

    /** The device's MAC: the source of everything sent, and the answer to ARP for the host's public addresses. */
    public long mac() {
        return mac;
    }

    /**
     * Takes the frames the kernel put in the RX ring, while the batch has room for a full segmentation of one,
     * handing each slot back; returns how many segments it added.
     */
    public int receive(PacketBatch batch) {
        int received = 0;
        while (receives && batch.room() >= 48) {
            long frame = (long) rxHead * RX_FRAME;
            int status = (int) Structs.TP_STATUS.getAcquire(rx, frame);
            if ((status & TP_STATUS_USER) == 0) {
                break; // the kernel's: nothing more now
            }
            int snaplen = rx.get(ValueLayout.JAVA_INT, frame + Structs.TP_SNAPLEN);
            int length = rx.get(ValueLayout.JAVA_INT, frame + Structs.TP_LEN);
            int at = rx.get(ValueLayout.JAVA_SHORT, frame + Structs.TP_MAC) & 0xffff;
            framesRead++;
            if ((status & (TP_STATUS_COPY | TP_STATUS_VLAN_VALID)) != 0 || snaplen != length || at < Segmenter.VNET_HEADER
                    || at + snaplen > RX_FRAME) {
                malformed++; // cut short, or tagged for another network
            } else if (!forUs(rx, frame + at)) {
                foreign++; // another station's unicast, flooded to us by a switch that hasn't learned where it is
            } else {
                int added = Segmenter.add(rx.asSlice(frame + at - Segmenter.VNET_HEADER, snaplen + Segmenter.VNET_HEADER),
                        snaplen + Segmenter.VNET_HEADER, batch, PacketBatch.UPLINK);
                if (added < 0) {
                    malformed++;
                } else {
                    received += added;
                }
            }
            Structs.TP_STATUS.setRelease(rx, frame, TP_STATUS_KERNEL);
            rxHead = (rxHead + 1) % RX_FRAMES;
        }
        return received;
    }

    /** Whether the frame at {@code at} is for this device: its MAC, or a group (broadcast, multicast) address. */
    private boolean forUs(MemorySegment m, long at) {
        long destination = dev.weft.fastpath.packet.Bytes.mac(m, at);
        return destination == mac || (destination & 0x0100_0000_0000L) != 0;
    }

    /**
     * Queues frame {@code i} of the batch in the TX ring (complete checksums: an all-zero virtio-net header); false
     * when the ring is full (counted). {@link #flush} has the kernel send what is queued.
     */
    public boolean send(PacketBatch batch, int i) {
        long data = slot();
        if (data < 0) {
            return false;
        }
        batch.completeChecksum(i);
        batch.copyFrame(i, tx, data + Segmenter.VNET_HEADER); // both parts of a split frame
        queue(batch.length[i]);
        return true;
    }

    /** Queues the {@code length}-byte frame at {@code frame[0..]} in the TX ring, as {@link #send(PacketBatch, int)} does. */
    public boolean send(MemorySegment frame, int length) {
        long data = slot();
        if (data < 0) {
            return false;
        }
        MemorySegment.copy(frame, 0, tx, data + Segmenter.VNET_HEADER, length);
        queue(length);
        return true;
    }

    /** Where the next TX slot's data begins (its virtio-net header zeroed), or -1 when the ring is full (counted). */
    private long slot() {
        long frame = (long) txHead * TX_FRAME;
        int status = (int) Structs.TP_STATUS.getAcquire(tx, frame);
        if (status == TP_STATUS_WRONG_FORMAT) {
            sendFailures++; // the kernel refused what was there: the slot is ours again
        } else if (status != TP_STATUS_AVAILABLE) {
            sendFailures++; // the kernel hasn't sent what is there yet: the ring is full
            return -1;
        }
        long data = frame + Structs.TX_DATA;
        tx.asSlice(data, Segmenter.VNET_HEADER).fill((byte) 0);
        return data;
    }

    /** Hands the slot {@link #slot} gave, now holding a {@code length}-byte frame, to the kernel at the next {@link #flush}. */
    private void queue(int length) {
        long frame = (long) txHead * TX_FRAME;
        tx.set(ValueLayout.JAVA_INT, frame + Structs.TP_LEN, length + Segmenter.VNET_HEADER);
        Structs.TP_STATUS.setRelease(tx, frame, TP_STATUS_SEND_REQUEST);
        txHead = (txHead + 1) % TX_FRAMES;
        queued++;
        framesSent++;
    }

    /**
     * Sends {@link PacketBatch#gsoSize GSO frame} {@code i} whole (a TCP frame from Ethernet on, IPv4 at 14): the kernel
     * cuts it, or the NIC does, or a veth pair carries it whole; its checksum is left to them. The frames queued in the TX
     * ring go first, so a flow stays in order. False when the kernel refused it.
     */
    public boolean sendWhole(PacketBatch batch, int i) {
        flush();
        wholeRun[0] = i;
        int headers = GsoRun.header(batch, wholeRun, 0, 1, wholeHeader, Segmenter.VNET_HEADER);
        long front = Segmenter.VNET_HEADER + headers;
        Structs.iovec(wholeIovecs, 0, wholeHeader, 0, front);
        Structs.iovec(wholeIovecs, 1, batch.tail[i], batch.tail[i].byteSize());
        if (Native.writev(whole, wholeIovecs, 2) != front + batch.tail[i].byteSize()) {
            sendFailures++;
            return false;
        }
        framesSent++;
        return true;
    }

    /** Has the kernel send every frame queued since the last flush: one system call for the batch. */
    public void flush() {
        if (queued > 0) {
            Native.kick(fd);
            queued = 0;
        }
    }

    @Override
    public void close() {
        Native.munmap(rings);
        Native.close(fd);
        Native.close(whole);
        arena.close();
    }
}
