package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.PacketBatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A TAP device (a VM's NIC as the host sees it): {@code /dev/net/tun} opened non-blocking, attached with
 * {@code ioctl(TUNSETIFF, IFF_TAP | IFF_NO_PI | IFF_TUN_EXCL)}, so an existing device is never taken over. Frames are read straight into a batch's slots and
 * written straight from them.
 */
public final class TapDevice implements AutoCloseable {

    private static final long TUNSETOFFLOAD = 0x400454d0L;
    static final short IFF_VNET_HDR = 0x4000;
    private static final int TUN_F_CSUM = 0x01;
    private static final int TUN_F_TSO4 = 0x02;
    private static final int TUN_F_USO4 = 0x20;
    private static final int TUN_F_USO6 = 0x40; // asked for together with TUN_F_USO4, or not at all
    private static final int BUFFER = 65536 + Segmenter.VNET_HEADER + 64; // within PacketBatch.BUFFER

    private final int fd;
    private final String name;
    private final boolean offload;
    /** Whether the kernel takes a run of UDP datagrams written as one {@code GSO_UDP_L4} frame (USO, Linux 6.2 and later). */
    private final boolean udpRuns;
    /**
     * Whether the VM hands over UDP segmentation-offload frames (an application's {@code UDP_SEGMENT} sends, up to 64 kB
     * each; {@link Segmenter} takes each as one GSO frame, cut into its datagrams only where it must be): where the kernel
     * knows USO, unless {@code -Dweft.tap.uso=false}. A reader then keeps {@link Segmenter#MAX_DATAGRAMS} slots free, not
     * {@link Segmenter#MAX_SEGMENTS}.
     */
    private final boolean usoFromVm;
    private final java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
    /** Where the one worker that reads this device reads 64 kB frames into. */
    private final MemorySegment buffer;
    public long malformed;
    /** Plain frames longer than a slot ({@link PacketBatch#MAX_FRAME} bytes), dropped: the VM's MTU is set above the one DHCP gives. */
    public long tooLong;
    /** Frames read from the VM, and segments they became (more segments than frames: TCP segmentation offload at work). */
    public long framesRead;
    public long segments;
    /** Runs ({@link GsoRun}) written to the VM as one frame each, and the segments and datagrams they carried. */
    public volatile long coalescedFrames;
    public volatile long coalesced;

    private TapDevice(int fd, String name, boolean offload, boolean udpRuns, boolean usoFromVm) {
        this.fd = fd;
        this.name = name;
        this.offload = offload;
        this.udpRuns = udpRuns;
        this.usoFromVm = usoFromVm;
        this.buffer = offload ? arena.allocate(BUFFER, 64) : null;
    }

    /**
     * What a worker writes a coalesced frame from: its header buffer and iovecs. Every worker has its own,
     * so several workers can write to one device at once.
     */
    public static final class WriteScratch implements AutoCloseable {
        private final java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofShared();
        final MemorySegment header = arena.allocate(256, 64);
        final MemorySegment iovecs = arena.allocate(Structs.IOVEC, GsoRun.MAX_RUN + 1);

        @Override
        public void close() {
            arena.close();
        }
    }

    /** Creates (or attaches to) the TAP device {@code name} in the calling thread's network namespace, with offloads. */
    public static TapDevice open(String name) throws IOException {
        return open(name, true);
    }

    /**
     * @param offload a virtio-net header on every frame (IFF_VNET_HDR) with checksum and TCP segmentation
     *                offload: the VM hands over 64 kB TCP frames, which {@link Segmenter} cuts into segments
     */
    public static TapDevice open(String name, boolean offload) throws IOException {
        return open(name, offload, (short) Native.IFF_TUN_EXCL);
    }

    /** IFF_MULTI_QUEUE: a device with a queue per file descriptor; the kernel spreads the VM's flows over them. */
    static final short IFF_MULTI_QUEUE = 0x0100;

    /**
     * The TAP device {@code name} with {@code queues} queues (IFF_MULTI_QUEUE), each its own file descriptor, so that
     * every worker reads and writes a queue of its own and the VM's flows are spread over the workers; one queue is
     * {@link #open(String)}. The first queue creates the device (never taking over an existing one), the others attach
     * to it. If one can't be opened, those opened are closed.
     */
    public static java.util.List<TapDevice> openQueues(String name, int queues) throws IOException {
        if (queues <= 1) {
            return java.util.List.of(open(name));
        }
        java.util.List<TapDevice> opened = new java.util.ArrayList<>();
        try {
            for (int q = 0; q < queues; q++) {
                opened.add(open(name, true, (short) (IFF_MULTI_QUEUE | (q == 0 ? Native.IFF_TUN_EXCL : 0))));
            }
            return java.util.List.copyOf(opened);
        } catch (IOException | RuntimeException e) {
            opened.forEach(TapDevice::close);
            throw e;
        }
    }

    private static TapDevice open(String name, boolean offload, short extraFlags) throws IOException {
        if (name.length() > 15) {
            throw new IllegalArgumentException("interface names have at most 15 characters: " + name);
        }
        int fd = (int) Native.check(Native.open("/dev/net/tun", Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC), "open /dev/net/tun");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(Structs.IFREQ);
            ifreq.setString(Structs.IFR_NAME, name);
            Structs.ifreqFlags(ifreq, (short) (Native.IFF_TAP | Native.IFF_NO_PI | extraFlags | (offload ? IFF_VNET_HDR : 0)));
            if (Native.ioctl(fd, Native.TUNSETIFF, ifreq) < 0) {
                int errno = Native.errno();
                Native.close(fd);
                throw new IOException("TUNSETIFF " + name + ": " + Native.strerror(errno));
            }
            // A kernel that knows USO (the flag is accepted) also takes GSO_UDP_L4 frames written to the device, and hands
            // over the VM's (Segmenter takes each as a GSO frame); without it, or with -Dweft.tap.uso=false, the VM's kernel
            // cuts them first.
            boolean udpRuns = offload && Native.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_USO4 | TUN_F_USO6)) >= 0;
            boolean usoFromVm = udpRuns && !"false".equals(System.getProperty("weft.tap.uso"));
            if (offload && !usoFromVm && Native.ioctl(fd, TUNSETOFFLOAD, MemorySegment.ofAddress(TUN_F_CSUM | TUN_F_TSO4)) < 0) {
                int errno = Native.errno();
                Native.close(fd);
                throw new IOException("TUNSETOFFLOAD " + name + ": " + Native.strerror(errno));
            }
            return new TapDevice(fd, ifreq.getString(0), offload, udpRuns, usoFromVm);
        }
    }

    public int fd() {
        return fd;
    }

    /** Whether frames cross with a virtio-net header: a GSO frame can be written whole, the VM's kernel takes it as one. */
    public boolean offload() {
        return offload;
    }

    /** Whether a run of one UDP flow's datagrams can be written as one frame ({@link GsoRun}; the kernel cuts it at the VM's socket). */
    public boolean udpRuns() {
        return udpRuns;
    }

    public String name() {
        return name;
    }

    /**
     * Reads one frame from the VM (with offloads, one up to 64 kB, segmented into the batch) when the batch has room for it;
     * returns the frames it added, or -1 when nothing was waiting or there was no room.
     */
    public int receiveOne(PacketBatch batch, int port) {
        if (offload) {
            if (batch.room() < reserve()) {
                return -1;
            }
            int added = readOffloaded(batch, port);
            return added == NOTHING ? -1 : counted(added);
        }
        if (batch.full()) {
            return -1;
        }
        long n = Native.read(fd, batch.nextSlot(), PacketBatch.MAX_FRAME);
        if (n <= 0) {
            return -1;
        }
        batch.commit((int) n, port);
        return 1;
    }

    /** Reads frames until none is waiting or the batch is full; returns how many. */
    public int receive(PacketBatch batch, int port) {
        if (offload) {
            return receiveOffloaded(batch, port);
        }
        int received = 0;
        while (!batch.full()) {
            long n = Native.read(fd, batch.nextSlot(), PacketBatch.MAX_FRAME);
            if (n <= 0) {
                break; // EAGAIN: nothing more now
            }
            batch.commit((int) n, port);
            received++;
        }
        return received;
    }

    private static final int NOTHING = Integer.MIN_VALUE;

    /**
     * Reads one frame of up to 64 kB and adds it to the batch through {@link Segmenter}: into one of the batch's buffers,
     * which its segments then refer to (their payload is not copied; the buffer is the batch's until it is cleared), or,
     * when the batch has none left, into the device's own, copied from. Returns the segments added, -1 for a malformed frame
     * or {@link #NOTHING} when none was waiting.
     */
    private int readOffloaded(PacketBatch batch, int port) {
        MemorySegment into = batch.buffer();
        boolean kept = into != null;
        if (!kept) {
            into = buffer;
        }
        long n = Native.read(fd, into, BUFFER);
        if (n <= 0) {
            if (kept) {
                batch.unbuffer();
            }
            return NOTHING;
        }
        framesRead++;
        int first = batch.count();
        int added = Segmenter.add(into, (int) n, kept, batch, port);
        if (kept && !refersTo(batch, first)) {
            batch.unbuffer(); // a frame small enough to be copied: the buffer can take the next one
        }
        return added;
    }

    /** Whether a frame from index {@code first} on refers to the last buffer the batch handed out. */
    private static boolean refersTo(PacketBatch batch, int first) {
        for (int i = first; i < batch.count(); i++) {
            if (batch.tail[i] != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * Where a worker's {@link IoRing} reads TAP frames into: {@link #COUNT} buffers of a 64 kB frame each. A plain frame is
     * copied into the batch and its buffer is free again at once; a GSO frame read into one refers to it until its batch
     * has been sent, and the worker hands such buffers out again only then.
     */
    public static final class ReadBuffers implements AutoCloseable {
        public static final int COUNT = 16;
        private final Arena arena = Arena.ofShared();
        private final MemorySegment buffers = arena.allocate((long) COUNT * BUFFER, 64);
        private final MemorySegment[] buffer = java.util.stream.IntStream.range(0, COUNT)
                .mapToObj(k -> buffers.asSlice((long) k * BUFFER, BUFFER)).toArray(MemorySegment[]::new);
        private final int[] results = new int[COUNT];
        /** The buffers no frame refers to: {@code free[0, freeCount)}. */
        private final int[] free = new int[COUNT];
        private int freeCount;
        private final IoRing.Outcome record = (owner, result, whole) -> results[(Integer) owner] = result;

        public ReadBuffers() {
            reset();
        }

        /** Every buffer can be read into again: nothing in a batch refers to them any more. */
        public void reset() {
            for (int k = 0; k < COUNT; k++) {
                free[k] = COUNT - 1 - k;
            }
            freeCount = COUNT;
        }

        MemorySegment buffer(int k) {
            return buffer[k];
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    /** The most frames one call of {@link #receive(PacketBatch, int, IoRing, ReadBuffers, Runnable)} reads. */
    public static final int RING_READS = 8;

    /**
     * Reads up to {@link #RING_READS} frames (a device with offloads) with one {@code io_uring_enter} into {@code into}, and
     * adds them to the batch in the order the VM sent them, each as {@link #receive(PacketBatch, int)} would; when the batch
     * has no room for the next, {@code send} sends the batch (and clears it) first, and when no buffer is free, before the
     * reads. Returns the frames read: fewer than {@link #RING_READS}, the device had no more waiting.
     */
    public int receive(PacketBatch batch, int port, IoRing ring, ReadBuffers into, Runnable send) {
        if (into.freeCount == 0) {
            send.run(); // nothing refers to the buffers any more
            into.reset();
        }
        int reads = Math.min(RING_READS, into.freeCount);
        int[] taken = into.free; // the last `reads` free buffers, in the order they are read into
        int from = into.freeCount - reads;
        for (int q = from; q < into.freeCount; q++) {
            ring.read(fd, into.buffer(taken[q]), 0, BUFFER, taken[q], into.record);
        }
        ring.submit();
        int read = 0;
        int kept = from; // buffers a GSO frame now refers to leave the free list; the others stay on it
        for (int q = from; q < from + reads; q++) {
            int k = taken[q];
            int n = into.results[k];
            if (n <= 0) {
                taken[kept++] = k; // EAGAIN: nothing more was waiting
                continue;
            }
            read++;
            framesRead++;
            MemorySegment buffer = into.buffer(k);
            if (batch.room() < Segmenter.slots(buffer, n)) {
                send.run();
            }
            boolean plain = n < Segmenter.VNET_HEADER || Segmenter.plain(buffer, n); // copied (or dropped), not referred to
            counted(Segmenter.add(buffer, n, true, batch, port));
            if (plain) {
                taken[kept++] = k;
            }
        }
        into.freeCount = kept;
        return read;
    }

    /** The batch slots a reader keeps free before it reads a frame of unknown kind: enough for any it may be. */
    private int reserve() {
        return usoFromVm ? Segmenter.MAX_DATAGRAMS : Segmenter.MAX_SEGMENTS;
    }

    /** Whether the VM hands over UDP segmentation-offload frames (see {@link #usoFromVm}). */
    public boolean usoFromVm() {
        return usoFromVm;
    }

    /** Reads whole (up to 64 kB) frames while the batch has room for a full segmentation of one. */
    private int receiveOffloaded(PacketBatch batch, int port) {
        int received = 0;
        while (batch.room() >= reserve()) {
            int added = readOffloaded(batch, port);
            if (added == NOTHING) {
                break;
            }
            received += counted(added);
        }
        return received;
    }

    /** Counts what {@link Segmenter#add} made of a frame read: its segments, or (negative) a malformed or too long frame; returns the segments added. */
    private int counted(int added) {
        if (added == Segmenter.TOO_LONG) {
            tooLong++;
            return 0;
        }
        if (added < 0) {
            malformed++;
            return 0;
        }
        segments += added;
        return added;
    }

    /**
     * Writes the frames {@code run[from..from+count)} of one flow (a {@link GsoRun}) to the VM as one frame with a
     * segmentation-offload virtio-net header, in one {@code writev}: the header and the first frame's headers from a small
     * buffer, then every frame's payload straight from the batch or where a split frame's tail is, without copying it. A run
     * of one is written as it is.
     */
    public boolean sendRun(PacketBatch batch, int[] run, int from, int count, WriteScratch scratch) {
        if (count == 1 && batch.gsoSize[run[from]] == 0 || !offload) { // a GSO frame reaches only a device with offloads (Worker)
            boolean ok = true;
            for (int k = 0; k < count; k++) {
                ok &= send(batch, run[from + k], scratch);
            }
            return ok;
        }
        MemorySegment m = batch.memory();
        MemorySegment out = scratch.header;
        MemorySegment iovecs = scratch.iovecs;
        int headers = GsoRun.header(batch, run, from, count, out, Segmenter.VNET_HEADER);
        long total = Segmenter.VNET_HEADER + headers;
        Structs.iovec(iovecs, 0, out, 0, total);
        for (int k = 0; k < count; k++) {
            int i = run[from + k];
            int size = batch.length[i] - headers;
            if (batch.tail[i] != null) {
                Structs.iovec(iovecs, k + 1, batch.tail[i], size); // a split segment's tail is its payload
            } else {
                Structs.iovec(iovecs, k + 1, m, batch.start[i] + headers, size);
            }
            total += size;
        }
        if (Native.writev(fd, iovecs, count + 1) != total) {
            return false;
        }
        if (count > 1) {
            coalescedFrames++;
            coalesced += count;
        }
        return true;
    }

    /** Writes a whole frame (complete checksums) to the VM from outside the workers, e.g. a health probe; false when the device can't take it. */
    public synchronized boolean inject(byte[] frame) {
        if (closed) {
            return false; // the port went away: its descriptor may already be another device's
        }
        int header = offload ? Segmenter.VNET_HEADER : 0; // an all-zero virtio-net header: a plain frame
        try (java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment out = a.allocate(header + frame.length);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, out, header, frame.length);
            return Native.write(fd, out, out.byteSize()) == out.byteSize();
        }
    }

    /** Writes frame {@code i} of the batch to the VM; false when the device can't take it now (counted by the caller). */
    public boolean send(PacketBatch batch, int i, WriteScratch scratch) {
        batch.completeChecksum(i); // a plain frame: its checksums complete
        MemorySegment tail = batch.tail[i];
        if (tail == null) {
            return send(batch.memory(), batch.start[i], batch.length[i]);
        }
        int header = offload ? Segmenter.VNET_HEADER : 0; // a split frame: header and slot, then its tail, in one writev
        int inline = batch.inline(i);
        long at = batch.start[i] - header;
        batch.memory().asSlice(at, header).fill((byte) 0);
        Structs.iovec(scratch.iovecs, 0, batch.memory(), at, header + inline);
        Structs.iovec(scratch.iovecs, 1, tail, tail.byteSize());
        return Native.writev(fd, scratch.iovecs, 2) == header + batch.length[i];
    }

    /** Writes the frame at {@code memory[start, start + length)} to the VM; the 10 bytes before {@code start} may be overwritten. */
    public boolean send(MemorySegment memory, long start, int length) {
        long at = withHeader(memory, start);
        long total = start + length - at;
        return Native.write(fd, memory.asSlice(at, total), total) == total;
    }

    /**
     * Whether frame {@code i} of the batch can be written by {@link #queue}: a plain frame in one piece (a GSO frame or run
     * goes through {@link #sendRun}, a split frame through {@link #send(PacketBatch, int, WriteScratch)}).
     */
    public static boolean queueable(PacketBatch batch, int i) {
        return batch.gsoSize[i] == 0 && batch.tail[i] == null;
    }

    /**
     * Queues frame {@code i} of the batch ({@link #queueable}) on {@code ring}, to be written to the VM at its next submit,
     * with {@code owner} told how it went; its checksums are completed now.
     */
    public void queue(PacketBatch batch, int i, IoRing ring, Object owner, IoRing.Outcome outcome) {
        batch.completeChecksum(i);
        long at = withHeader(batch.memory(), batch.start[i]);
        ring.write(fd, batch.memory(), at, batch.start[i] + batch.length[i] - at, owner, outcome);
    }

    /** Where a plain frame at {@code memory[start]} is written from: with offloads, an all-zero virtio-net header in front of it. */
    private long withHeader(MemorySegment memory, long start) {
        if (!offload) {
            return start;
        }
        long at = start - Segmenter.VNET_HEADER;
        memory.asSlice(at, Segmenter.VNET_HEADER).fill((byte) 0);
        return at;
    }

    private boolean closed;

    @Override
    public void close() {
        synchronized (this) { // never while a probe is being injected
            closed = true;
            Native.close(fd);
        }
        arena.close();
    }
}
