package dev.weft.fastpath.vhost;

import dev.weft.fastpath.io.Native;
import dev.weft.fastpath.io.UnixChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A guest's virtio-net driver in Java, for tests and benchmarks (issue 17's "synthetic guest"): it owns a megabyte of
 * guest memory in a memfd, lays out its two split queues there (0: frames to the guest, 1: frames from it; 256 entries
 * each), connects to a vhost-user backend's socket and does what QEMU does to hand them over — features, memory table with
 * the memfd, ring sizes, addresses, bases, kick and call eventfds, enable — then sends frames through queue 1 and posts
 * receive buffers on queue 0. With VIRTIO_RING_F_EVENT_IDX (taken unless left out) it kicks and asks for calls with event
 * indices, as a Linux driver does; without, with the rings' flags. Guest-physical addresses start at {@link #GPA}.
 */
public final class SyntheticGuest implements AutoCloseable {

    public static final long GPA = 0x4000_0000L;
    public static final int QUEUE_SIZE = 256;
    /** The virtio-net header in front of every frame (with VIRTIO_F_VERSION_1: 12 bytes). */
    public static final int NET_HEADER = 12;
    static final int MEMORY = 1 << 22;
    /** A transmit buffer (queue 1). */
    static final int BUFFER = 2048;
    /** A receive buffer (queue 0): a page, as a Linux guest's mergeable receive buffers grow to under segmentation offload. */
    public static final int RX_BUFFER = 4096;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Where each queue's parts lie, as offsets into guest memory. */
    static final long[] DESCRIPTORS = {0x0000, 0x8000};
    static final long[] AVAILABLE = {0x2000, 0xa000};
    static final long[] USED = {0x4000, 0xc000};
    /** Buffers: queue 0's from 64 kB, queue 1's from 64 kB + 256 × 4 kB. */
    static final long[] BUFFERS = {0x10000, 0x10000 + (long) QUEUE_SIZE * RX_BUFFER};
    /** Buffers for TCP segments of up to 64 kB that the guest hands over whole (segmentation offload): 16 from 2 MB. */
    static final long LARGE = 0x20_0000; // after queue 1's buffers, which end at 64 kB + 256 × 6 kB
    static final int LARGE_BUFFER = 0x1_1000;
    static final int LARGE_COUNT = 16;

    private final Arena arena = Arena.ofShared();
    private final int memfd;
    private final MemorySegment memory;
    private final int[] kick = new int[2];
    private final int[] call = new int[2];
    private final UnixChannel channel;
    private final int[] available = new int[2];
    private final int[] usedSeen = new int[2];
    private final long negotiated;
    /** VIRTIO_RING_F_EVENT_IDX negotiated: kicks and calls are asked for with indices, not flags. */
    private final boolean eventIndex;

    /** Connects to the backend at {@code socket} and sets up both queues; queue 0 gets all its receive buffers. Takes every feature offered. */
    public SyntheticGuest(Path socket) throws IOException {
        this(socket, VhostUser.FEATURES);
    }

    /** As {@link #SyntheticGuest(Path)}, taking only the features in {@code accepted} of those the backend offers. */
    public SyntheticGuest(Path socket, long accepted) throws IOException {
        memfd = (int) Native.check(Native.memfdCreate("weft-synthetic-guest"), "memfd_create");
        Native.check(Native.ftruncate(memfd, MEMORY), "ftruncate");
        memory = Native.mmap(memfd, MEMORY);
        if (memory.byteSize() == 0) {
            throw new IOException("mmap of the guest's memory failed: " + Native.strerror(Native.errno()));
        }
        for (int q = 0; q < 2; q++) {
            kick[q] = Native.eventfd();
            call[q] = Native.eventfd();
        }
        channel = UnixChannel.connect(socket);
        request(VhostUser.GET_FEATURES, 0);
        long offered = reply(VhostUser.GET_FEATURES);
        negotiated = offered & VhostUser.FEATURES & accepted;
        eventIndex = (negotiated & VhostUser.EVENT_IDX) != 0;
        request(VhostUser.SET_FEATURES, 0, negotiated);
        request(VhostUser.GET_PROTOCOL_FEATURES, 0);
        request(VhostUser.SET_PROTOCOL_FEATURES, 0, reply(VhostUser.GET_PROTOCOL_FEATURES));
        request(VhostUser.SET_OWNER, 0);
        request(VhostUser.SET_MEM_TABLE, 0, new long[] {1, GPA, MEMORY, memory.address(), 0}, memfd);
        for (int q = 0; q < 2; q++) {
            requestInts(VhostUser.SET_VRING_NUM, q, QUEUE_SIZE);
            request(VhostUser.SET_VRING_ADDR, 0, new long[] {q, memory.address() + DESCRIPTORS[q], memory.address() + USED[q],
                    memory.address() + AVAILABLE[q], 0});
            requestInts(VhostUser.SET_VRING_BASE, q, 0);
            request(VhostUser.SET_VRING_KICK, 0, new long[] {q}, kick[q]);
            request(VhostUser.SET_VRING_CALL, 0, new long[] {q}, call[q]);
        }
        for (int k = 0; k < QUEUE_SIZE; k++) { // every receive buffer posted, writable
            descriptor(0, k, GPA + BUFFERS[0] + (long) k * RX_BUFFER, RX_BUFFER, 2);
            offer(0, k);
        }
        for (int q = 0; q < 2; q++) {
            requestInts(VhostUser.SET_VRING_ENABLE, q, 1);
        }
        request(VhostUser.GET_FEATURES, 0); // a round trip: everything before it is done
        reply(VhostUser.GET_FEATURES);
    }

    /** The features the backend and this guest agreed on. */
    public long features() {
        return negotiated;
    }

    /** Sends {@code frame} (an Ethernet frame, after a zeroed virtio-net header) through queue 1; false when all 256 buffers are still in flight. */
    public boolean send(byte[] frame) {
        int inFlight = (available[1] - Short.toUnsignedInt(memory.get(U16, USED[1] + 2))) & 0xffff;
        if (inFlight >= QUEUE_SIZE || frame.length > BUFFER - NET_HEADER) {
            return false;
        }
        int d = available[1] % QUEUE_SIZE;
        long at = BUFFERS[1] + (long) d * BUFFER;
        memory.asSlice(at, NET_HEADER).fill((byte) 0);
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, memory, at + NET_HEADER, frame.length);
        descriptor(1, d, GPA + at, NET_HEADER + frame.length, 0);
        offer(1, d);
        return true;
    }

    /**
     * Sends a TCP/IPv4 frame of up to 64 kB for the device to cut into segments of {@code mss} bytes of payload (with
     * VIRTIO_NET_F_HOST_TSO4: GSO_TCPV4, checksum left to the device), or a UDP/IPv4 one into datagrams of {@code mss}
     * bytes (with VIRTIO_NET_F_HOST_USO: GSO_UDP_L4), as a Linux guest does; false when the queue is full.
     */
    public boolean sendSegmented(byte[] frame, int mss) {
        int inFlight = (available[1] - Short.toUnsignedInt(memory.get(U16, USED[1] + 2))) & 0xffff;
        if (inFlight >= LARGE_COUNT || frame.length > LARGE_BUFFER - NET_HEADER) {
            return false;
        }
        int d = available[1] % QUEUE_SIZE;
        long at = LARGE + (long) (d % LARGE_COUNT) * LARGE_BUFFER; // the last use of this buffer is no longer in flight
        int l4 = 14 + (frame[14] & 0x0f) * 4;
        boolean udp = frame[23] == 17;
        MemorySegment header = memory.asSlice(at, NET_HEADER).fill((byte) 0);
        header.set(ValueLayout.JAVA_BYTE, 0, (byte) 1); // VIRTIO_NET_HDR_F_NEEDS_CSUM
        header.set(ValueLayout.JAVA_BYTE, 1, (byte) (udp ? 5 : 1)); // VIRTIO_NET_HDR_GSO_UDP_L4 or _TCPV4
        header.set(U16, 2, (short) (udp ? l4 + 8 : l4 + ((frame[l4 + 12] & 0xff) >>> 4) * 4));
        header.set(U16, 4, (short) mss);
        header.set(U16, 6, (short) l4);
        header.set(U16, 8, (short) (udp ? 6 : 16));
        MemorySegment.copy(MemorySegment.ofArray(frame), 0, memory, at + NET_HEADER, frame.length);
        descriptor(1, d, GPA + at, NET_HEADER + frame.length, 0);
        offer(1, d);
        return true;
    }

    /**
     * Takes every frame the backend has put in the receive queue without copying it (a benchmark's receiver), counting in
     * {@code counts[0]} the frames with IPv4 protocol {@code protocol} and in {@code counts[1]} their bytes (a frame that
     * spans several buffers, VIRTIO_NET_F_MRG_RXBUF, counts once, with all its bytes); returns how many buffers it took.
     */
    public int drain(int protocol, long[] counts) {
        int used = Short.toUnsignedInt(memory.get(U16, USED[0] + 2));
        java.lang.invoke.VarHandle.acquireFence();
        int taken = 0;
        while (usedSeen[0] != used) {
            int buffers = nextFrame(used);
            if (buffers == 0) {
                break; // the rest of the frame isn't published yet
            }
            int head = memory.get(U32, usedEntry(usedSeen[0]));
            long bytes = -NET_HEADER;
            boolean counted = head >= 0 && head < QUEUE_SIZE
                    && memory.get(ValueLayout.JAVA_BYTE, BUFFERS[0] + (long) head * RX_BUFFER + NET_HEADER + 23) == protocol;
            for (int k = 0; k < buffers; k++) {
                long entry = usedEntry(usedSeen[0]);
                int h = memory.get(U32, entry);
                bytes += memory.get(U32, entry + 4);
                usedSeen[0] = (usedSeen[0] + 1) & 0xffff;
                if (h >= 0 && h < QUEUE_SIZE) {
                    offer(0, h);
                }
                taken++;
            }
            if (counted && bytes >= 34) {
                counts[0]++;
                counts[1] += bytes;
            }
        }
        return taken;
    }

    private long usedEntry(int index) {
        return USED[0] + 4 + 8L * (index % QUEUE_SIZE);
    }

    /**
     * The receive buffers the next used frame spans (its first buffer's {@code num_buffers} with MRG_RXBUF, else 1), or 0
     * when the device hasn't published all of them by used index {@code used}.
     */
    private int nextFrame(int used) {
        int head = memory.get(U32, usedEntry(usedSeen[0]));
        int n = head >= 0 && head < QUEUE_SIZE && (negotiated & VhostUser.MRG_RXBUF) != 0
                ? Math.max(Short.toUnsignedInt(memory.get(U16, BUFFERS[0] + (long) head * RX_BUFFER + 10)), 1) : 1;
        return ((used - usedSeen[0]) & 0xffff) < n ? 0 : n;
    }

    /** A frame the backend delivered: its virtio-net header (12 bytes) and the frame after it. */
    public record Received(byte[] header, byte[] frame) {
    }

    /** The next frame the backend delivered into queue 0 (its virtio-net header stripped), or null; its buffers are posted again. */
    public byte[] receive() {
        Received r = receiveWithHeader();
        return r == null ? null : r.frame();
    }

    /**
     * The next frame the backend delivered into queue 0 with its virtio-net header, gathered from as many buffers as its
     * {@code num_buffers} says; null when none is there (or not all its buffers yet). Its buffers are posted again.
     */
    public Received receiveWithHeader() {
        int used = Short.toUnsignedInt(memory.get(U16, USED[0] + 2));
        if (used == usedSeen[0]) {
            return null;
        }
        java.lang.invoke.VarHandle.acquireFence();
        int buffers = nextFrame(used);
        if (buffers == 0) {
            return null;
        }
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (int k = 0; k < buffers; k++) {
            long entry = usedEntry(usedSeen[0]);
            int head = memory.get(U32, entry);
            int length = memory.get(U32, entry + 4);
            usedSeen[0] = (usedSeen[0] + 1) & 0xffff;
            if (head >= 0 && head < QUEUE_SIZE) {
                if (length > 0 && length <= RX_BUFFER) {
                    bytes.writeBytes(memory.asSlice(BUFFERS[0] + (long) head * RX_BUFFER, length).toArray(ValueLayout.JAVA_BYTE));
                }
                offer(0, head);
            }
        }
        byte[] all = bytes.toByteArray();
        return new Received(java.util.Arrays.copyOf(all, NET_HEADER),
                all.length <= NET_HEADER ? new byte[0] : java.util.Arrays.copyOfRange(all, NET_HEADER, all.length));
    }

    /**
     * Writes {@code bytes} over queue {@code queue}'s descriptor table (from its start) and its available ring (flags, index,
     * entries, {@code used_event}), as a buggy or hostile driver might: how the backend is fuzzed.
     */
    public void scribble(int queue, byte[] descriptors, byte[] availableRing) {
        MemorySegment.copy(MemorySegment.ofArray(descriptors), 0, memory, DESCRIPTORS[queue], Math.min(descriptors.length, 16L * QUEUE_SIZE));
        MemorySegment.copy(MemorySegment.ofArray(availableRing), 0, memory, AVAILABLE[queue], Math.min(availableRing.length, 6L + 2L * QUEUE_SIZE));
    }

    /**
     * Cuts the guest's memory file to {@code bytes}, as a hostile frontend might under a running port: the queues lie in its
     * first 64 kB, the buffers after it (this guest's memory can't be sealed against it: its memfd doesn't allow seals).
     */
    public void shrinkMemory(long bytes) throws IOException {
        Native.check(Native.ftruncate(memfd, bytes), "ftruncate");
    }

    /** How many of the frames sent through queue 1 the backend has taken (the used index). */
    public int taken() {
        return Short.toUnsignedInt(memory.get(U16, USED[1] + 2));
    }

    private void descriptor(int q, int d, long address, int length, int flags) {
        long at = DESCRIPTORS[q] + 16L * d;
        memory.set(U64, at, address);
        memory.set(U32, at + 8, length);
        memory.set(U16, at + 12, (short) flags);
        memory.set(U16, at + 14, (short) 0);
    }

    private void offer(int q, int head) {
        memory.set(U16, AVAILABLE[q] + 4 + 2L * (available[q] % QUEUE_SIZE), (short) head);
        available[q] = (available[q] + 1) & 0xffff;
        java.lang.invoke.VarHandle.releaseFence();
        memory.set(U16, AVAILABLE[q] + 2, (short) available[q]);
        if (q == 1) { // a frame to send: kick, unless the device said it is looking anyway (VRING_USED_F_NO_NOTIFY, or with
            // event indices an avail_event other than this buffer's index: it asked for a kick at an earlier one, or hasn't yet)
            java.lang.invoke.VarHandle.fullFence();
            boolean wanted = eventIndex ? Short.toUnsignedInt(memory.get(U16, USED[1] + 4 + 8L * QUEUE_SIZE)) == ((available[q] - 1) & 0xffff)
                    : (memory.get(U16, USED[1]) & 1) == 0;
            if (wanted) {
                Native.write(kick[1], KICK, 8);
                kicks++;
            }
        }
    }

    /**
     * Waits up to {@code timeoutMillis} for the device to call queue {@code queue} (its call eventfd: frames put in the
     * receive queue, or sent buffers given back), as a guest whose driver has nothing to do halts until its interrupt; true
     * when it was called (the call is then taken). A call made since the last wait returns at once, so a guest that looks
     * at its ring, finds nothing to do and then waits misses none.
     */
    public boolean awaitCall(int queue, int timeoutMillis) {
        if (eventIndex && askForCall(queue)) {
            calls(queue); // a call made for what is there now is taken with it
            return true;
        }
        MemorySegment fd = pollFd.asSlice(8L * queue, 8);
        fd.set(ValueLayout.JAVA_INT, 0, call[queue]);
        fd.set(ValueLayout.JAVA_SHORT, 4, (short) 1); // POLLIN
        fd.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
        if (Native.poll(fd, 1, timeoutMillis) <= 0) {
            return false;
        }
        Native.read(call[queue], pollFd.asSlice(16 + 8L * queue, 8), 8); // non-blocking: resets the count
        return true;
    }

    /**
     * With event indices, before waiting: asks for a call when the used index passes the point where this guest is, as a
     * Linux driver does ({@code used_event}: on the receive queue at the next frame; on the transmit queue once three
     * quarters of the buffers in flight are back, {@code virtqueue_enable_cb_delayed}), then looks once more; true when
     * there is already something to take and it needn't wait.
     */
    private boolean askForCall(int queue) {
        int used = Short.toUnsignedInt(memory.get(U16, USED[queue] + 2));
        int from = queue == 0 ? usedSeen[0] : used;
        int after = queue == 0 ? 0 : ((available[1] - used) & 0xffff) * 3 / 4;
        memory.set(U16, AVAILABLE[queue] + 4 + 2L * QUEUE_SIZE, (short) (from + after));
        java.lang.invoke.VarHandle.fullFence(); // the event before the last look at the used index
        return ((Short.toUnsignedInt(memory.get(U16, USED[queue] + 2)) - from) & 0xffff) > after;
    }

    /** Two {@code struct pollfd}s, then two 8-byte counters read from the call eventfds, one each per queue. */
    private final MemorySegment pollFd = arena.allocate(32, 8);

    /** How many times the device called queue {@code queue} since the last look (its call eventfd's count, read and reset). */
    public long calls(int queue) {
        MemorySegment count = pollFd.asSlice(16 + 8L * queue, 8);
        return Native.read(call[queue], count, 8) == 8 ? count.get(ValueLayout.JAVA_LONG, 0) : 0;
    }

    /** How many times this guest kicked its transmit queue (it doesn't while the device says it polls). */
    public long kicks;

    /** What a kick writes to the eventfd: 1. */
    private static final MemorySegment KICK = Arena.global().allocateFrom(ValueLayout.JAVA_LONG, 1L);

    private void request(int request, int flags, long... words) throws IOException {
        request(request, flags, words, new int[0]);
    }

    private void request(int request, int flags, long[] words, int... fds) throws IOException {
        MemorySegment m = arena.allocate(12 + 8L * words.length);
        m.set(U32, 0, request);
        m.set(U32, 4, VhostUser.VERSION | flags);
        m.set(U32, 8, 8 * words.length);
        for (int k = 0; k < words.length; k++) {
            m.set(U64, 12 + 8L * k, words[k]);
        }
        channel.send(m, fds);
    }

    private void requestInts(int request, int first, int second) throws IOException {
        request(request, 0, (second & 0xffff_ffffL) << 32 | (first & 0xffff_ffffL));
    }

    private long reply(int request) throws IOException {
        MemorySegment m = arena.allocate(20);
        if (channel.receive(m, new int[UnixChannel.MAX_FDS]) < 0 || m.get(U32, 0) != request || (m.get(U32, 4) & VhostUser.REPLY) == 0) {
            throw new IOException("no reply to request " + request);
        }
        return m.get(U64, 12);
    }

    @Override
    public void close() {
        channel.close();
        Native.munmap(memory);
        Native.close(memfd);
        for (int q = 0; q < 2; q++) {
            Native.close(kick[q]);
            Native.close(call[q]);
        }
        arena.close();
    }
}
