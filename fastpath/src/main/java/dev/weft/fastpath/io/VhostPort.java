package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.vhost.SplitQueue;
import dev.weft.fastpath.vhost.VhostUser;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;

/**
 * A VM's port as a vhost-user socket instead of a TAP device: a guest's virtio-net device (QEMU, or a synthetic guest)
 * connects to {@code socket}, and the worker moves frames straight between the guest's queues in shared memory and the
 * batch (queue 1: frames the guest sends; queue 0: frames for it, each behind a 12-byte virtio-net header). A guest that
 * negotiated checksum and segmentation offload may send frames with a partial checksum and TCP segments of up to 64 kB:
 * they go through {@link Segmenter}, as a TAP device's do, which reads them where they are in guest memory. The worker looks at the guest's transmit
 * queue every loop; while the guest sends, the port tells it not to kick ({@code VRING_USED_F_NO_NOTIFY}, or with
 * VIRTIO_RING_F_EVENT_IDX an {@code avail_event} it has passed), and once the queue is empty it asks for kicks again, so
 * an idle worker sleeps in {@code epoll_wait} until the guest's kick eventfd wakes it. It calls the guest's eventfd after
 * moving frames when the guest wants it ({@link SplitQueue#callDue}: not while it polls, and with event indices only
 * once the used index passes the point where the guest waits). A control thread serves the connection; while it carries out a message the
 * queues are withdrawn and it waits until every worker has begun a new loop ({@code quiesce}), so no worker touches memory
 * the guest is replacing. A guest that disconnects affects only this port; the next connection is accepted.
 */
public final class VhostPort implements AutoCloseable {

    private static final System.Logger log = System.getLogger(VhostPort.class.getName());
    static final int NET_HEADER = 12;

    /** What the worker uses, published whole: the queues, their eventfds and the features the guest negotiated. */
    private record Queues(SplitQueue toGuest, SplitQueue fromGuest, int callToGuest, int callFromGuest, int kickFromGuest, long features) {

        /** A frame for the guest may span several receive buffers (MRG_RXBUF). */
        boolean mergeable() {
            return (features & VhostUser.MRG_RXBUF) != 0;
        }

        /** The guest may send frames with a partial checksum or TCP segments of up to 64 kB (CSUM or HOST_TSO4). */
        boolean offload() {
            return (features & (VhostUser.CSUM | VhostUser.HOST_TSO4)) != 0;
        }

        /** The guest takes a run of one TCP flow's segments as one frame (GUEST_CSUM with GUEST_TSO4). */
        boolean guestTso() {
            return (features & VhostUser.GUEST_OFFLOADS) == VhostUser.GUEST_OFFLOADS;
        }

        /** The guest takes a run of one UDP flow's datagrams as one frame (GUEST_CSUM with GUEST_USO4). */
        boolean guestUso() {
            return (features & VhostUser.GUEST_CSUM) != 0 && (features & VhostUser.GUEST_USO) != 0;
        }
    }

    /** The most a guest's frame may be with segmentation offload: 64 kB of IPv4 behind its Ethernet header. */
    static final int MAX_OFFLOADED = 65535 + 18;
    /** A frame with offloads: the virtio-net header's first 10 bytes (as {@link Segmenter} reads them), then the frame's headers. */
    private final MemorySegment offloaded = Arena.ofAuto().allocate(Segmenter.VNET_HEADER + Segmenter.MAX_HEADERS, 64);
    /** The rest of that frame, read from the guest's buffers where they are. */
    private final Segmenter.FrameBytes fromChain = new Segmenter.FrameBytes() {
        @Override
        public void copy(long from, MemorySegment to, long at, long n) {
            SplitQueue.read(chain, NET_HEADER + from, to.asSlice(at, n));
        }

        @Override
        public MemorySegment slice(long from, long n) { // guest memory: the chain is held until the batch has gone
            return SplitQueue.slice(chain, NET_HEADER + from, n);
        }
    };
    /** The chains read from the guest in this loop whose memory the batch's frames refer to, returned to it at {@link #release}. */
    private final int[] held = new int[PacketBatch.CAPACITY];
    private int heldCount;
    private SplitQueue heldBy;
    private int heldCall;
    public volatile long segments;

    private final Path socket;
    private final int listener;
    /** The socket file this port made (device and inode): on close it is removed only if it is still that one. */
    private final Object socketFile;
    private final Runnable quiesce;
    private final Thread control;
    private volatile Queues queues;
    private volatile boolean closed;
    private volatile UnixChannel current;
    private final SplitQueue.Chain chain = new SplitQueue.Chain();
    private boolean delivered;
    private final MemorySegment one = Arena.ofAuto().allocate(8).fill((byte) 0);
    public volatile long framesIn;
    public volatile long framesOut;
    public volatile long malformed;
    /** Plain frames from the guest longer than a slot ({@link PacketBatch#MAX_FRAME} bytes), dropped: its MTU is set above the one DHCP gives. */
    public volatile long tooLong;
    public volatile long noBuffer;
    public volatile long connections;
    /** Connections ended because the guest's memory file shrank under the port (reading it faulted). */
    public volatile long faults;
    private volatile VhostUser connected;
    private volatile VhostUser ending;

    /**
     * @param quiesce waits until every worker has begun a new loop: after it, none uses what was withdrawn before it
     */
    public VhostPort(Path socket, Runnable quiesce) throws IOException {
        this.socket = socket;
        this.quiesce = quiesce;
        this.listener = UnixChannel.listen(socket);
        this.socketFile = java.nio.file.Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
        one.set(ValueLayout.JAVA_LONG, 0, 1L);
        this.control = Thread.ofPlatform().daemon().name("weft-vhost-" + socket.getFileName()).start(this::serve);
    }

    public Path socket() {
        return socket;
    }

    /** Whether a guest is connected with both queues set up and enabled. */
    public boolean ready() {
        return queues != null;
    }

    private void serve() {
        while (!closed) {
            try (UnixChannel channel = UnixChannel.accept(listener)) {
                if (closed) {
                    return;
                }
                connections++;
                current = channel;
                VhostUser guest = new VhostUser(channel, this::withdraw);
                connected = guest;
                try {
                    while (guest.handle()) { // each message withdraws the queues before it changes anything
                        publish(guest);
                    }
                } catch (IOException | InternalError e) { // InternalError: the rings' memory faulted (its file shrank)
                    log.log(System.Logger.Level.WARNING, "vhost-user " + socket.getFileName() + ": " + e.getMessage() + "; the connection ends");
                } finally {
                    connected = null;
                    withdraw();
                    guest.close();
                }
            } catch (IOException e) {
                if (!closed) {
                    log.log(System.Logger.Level.WARNING, "vhost-user " + socket.getFileName() + ": " + e.getMessage());
                }
            }
        }
    }

    private void withdraw() {
        if (queues != null) {
            queues = null;
            quiesce.run();
        }
    }

    private void publish(VhostUser guest) {
        SplitQueue toGuest = guest.queue(0);
        SplitQueue fromGuest = guest.queue(1);
        queues = toGuest != null && fromGuest != null
                ? new Queues(toGuest, fromGuest, guest.call(0), guest.call(1), guest.kick(1), guest.features()) : null;
    }

    /** Moves up to {@code max} frames the guest sent into the batch (one worker reads a port); returns how many. */
    public synchronized int receive(PacketBatch batch, int port, int max) {
        Queues q = queues;
        if (q == null) {
            return 0;
        }
        int received = 0;
        // with segmentation offload one frame may become many segments: read only while the batch has room for them
        int room = q.offload() ? Segmenter.MAX_SEGMENTS : 1;
        boolean empty = false;
        while (batch.room() >= room && received < max) {
            int taken = q.fromGuest().nextAvailable();
            int head = q.fromGuest().next(chain);
            if (head == SplitQueue.EMPTY || head == SplitQueue.RING_OVERFLOW) {
                empty = head == SplitQueue.EMPTY;
                break;
            }
            if (head < 0) {
                malformed++;
                continue;
            }
            long length = chain.bytes(false) - NET_HEADER;
            int flagsAndGso = 0;
            if (q.offload() && length > 0) {
                SplitQueue.read(chain, 0, offloaded.asSlice(0, Segmenter.VNET_HEADER));
                flagsAndGso = offloaded.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0);
            }
            if (flagsAndGso != 0 && length <= MAX_OFFLOADED && Segmenter.slots(offloaded, Segmenter.VNET_HEADER + (int) length) > batch.room()) {
                q.fromGuest().rewind(taken); // a UDP_SEGMENT send (HOST_USO) of more datagrams than there is room for: the next batch takes it
                break;
            }
            if (flagsAndGso != 0) { // a partial checksum, a TCP segment or a UDP_SEGMENT send of up to 64 kB: Segmenter completes or
                // cuts it, reading the headers from a copy and the rest straight from guest memory into the batch
                int added = length < 14 || length > MAX_OFFLOADED ? -1
                        : Segmenter.add(offloaded, Segmenter.VNET_HEADER + SplitQueue.read(chain, NET_HEADER,
                                offloaded.asSlice(Segmenter.VNET_HEADER, Math.min(length, Segmenter.MAX_HEADERS))), (int) length, fromChain, batch, port);
                if (added < 0) {
                    if (added == Segmenter.TOO_LONG) {
                        tooLong++;
                    } else {
                        malformed++;
                    }
                    q.fromGuest().put(head, 0);
                } else {
                    segments += added;
                    received++;
                    if (batch.tail[batch.count() - 1] != null) { // its segments refer to the guest's buffers
                        hold(q, head);
                    } else {
                        q.fromGuest().put(head, 0);
                    }
                }
                continue;
            }
            if (length < 14 || length > PacketBatch.MAX_FRAME) {
                if (length > PacketBatch.MAX_FRAME) {
                    tooLong++;
                } else {
                    malformed++;
                }
                q.fromGuest().put(head, 0);
                continue;
            }
            SplitQueue.read(chain, NET_HEADER, batch.nextSlot().asSlice(0, length));
            batch.commit((int) length, port);
            q.fromGuest().put(head, 0); // copied: the guest may have its buffer back at once
            received++;
        }
        if (q.fromGuest().callDue()) { // buffers given back (copied frames, bad chains): the guest may be waiting for them
            signal(q.callFromGuest());
        }
        if (received > 0) {
            framesIn += received;
            if (!q.fromGuest().kicksOff()) { // busy: the worker looks again next loop, the guest needn't kick
                q.fromGuest().kicks(false);
            }
        } else if (!q.fromGuest().kicksOn() && empty) { // idle: kicks wake the worker from now on, but first one more look
            q.fromGuest().kicks(true);
            if (q.fromGuest().pending()) {
                return receive(batch, port, max);
            }
        }
        return received;
    }

    private void hold(Queues q, int head) {
        held[heldCount++] = head;
        heldBy = q.fromGuest();
        heldCall = q.callFromGuest();
    }

    /**
     * Returns the chains whose memory the batch's frames referred to (a 64 kB frame's segments) to the guest, all at once,
     * and calls it if it wants to be: once the batch has gone (the worker calls it after sending). Other chains went back as
     * soon as their frame was copied. The queue is the one they came from:
     * the guest's memory stays mapped until the worker begins its next loop.
     */
    public synchronized void release() {
        if (heldCount == 0) {
            return;
        }
        for (int k = 0; k < heldCount; k++) {
            heldBy.add(held[k], 0);
        }
        heldBy.publish();
        heldCount = 0;
        if (heldBy.callDue()) {
            signal(heldCall);
        }
    }

    /** The virtio features the connected guest negotiated ({@link VhostUser#featureNames}), or 0 while none is ready. */
    public long features() {
        Queues q = queues;
        return q == null ? 0 : q.features();
    }

    /** Whether the guest takes a run of one UDP flow's datagrams as one frame (it negotiated GUEST_USO4 with GUEST_CSUM). */
    public boolean takesUdpRuns() {
        Queues q = queues;
        return q != null && q.guestUso();
    }

    /** Whether the guest takes segmentation-offload frames (TSO and checksum offload negotiated): a GSO frame goes to it whole. */
    public boolean takesGso() {
        Queues q = queues;
        return q != null && q.guestTso();
    }

    /** Whether the guest has sent frames not read yet. */
    public boolean pending() {
        Queues q = queues;
        return q != null && q.fromGuest().pending();
    }

    /** The eventfd the guest kicks when it sends while the port is idle, or -1: the worker waits for it in its epoll. */
    public int kick() {
        Queues q = queues;
        return q == null ? -1 : q.kickFromGuest();
    }

    /**
     * Writes frame {@code i} into the guest's next receive buffer (any worker may); false when the guest has none posted or
     * isn't there. The guest is called at {@link #flush}.
     */
    public boolean send(PacketBatch batch, int i) {
        batch.completeChecksum(i); // a plain frame: its checksums complete
        return send(batch.memory(), batch.start[i], batch.inline(i), batch.tail[i]);
    }

    /** As {@link #send(PacketBatch, int)}, for the frame at {@code memory[start, start + length)}; the 12 bytes before {@code start} are overwritten. */
    public boolean send(MemorySegment memory, long start, int length) {
        return send(memory, start, length, null);
    }

    /** Writes the frame at {@code memory[start, start + length)}, followed by {@code tail} when it is split (null: not). */
    private synchronized boolean send(MemorySegment memory, long start, int length, MemorySegment tail) {
        Queues q = queues;
        if (q == null) {
            return false;
        }
        int head = q.toGuest().next(chains[0]);
        if (head < 0) {
            if (head != SplitQueue.EMPTY) {
                malformed++;
            }
            noBuffer++;
            return false;
        }
        MemorySegment frame = memory.asSlice(start - NET_HEADER, NET_HEADER + length); // batches and queues keep room in front of a frame
        frame.asSlice(0, NET_HEADER).fill((byte) 0);
        if (q.mergeable()) {
            frame.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) 1); // num_buffers: the frame fits in one
        }
        fill.start(1);
        long written = fill.copy(frame, 0, frame.byteSize());
        long total = frame.byteSize();
        if (tail != null) {
            written += fill.copy(tail, 0, tail.byteSize());
            total += tail.byteSize();
        }
        q.toGuest().put(head, (int) written);
        framesOut++;
        delivered = true;
        return written == total;
    }

    /** The most receive buffers one coalesced frame may span (a Linux guest's mergeable buffers hold 1.5 kB or more). */
    static final int MAX_BUFFERS = 64;
    private final SplitQueue.Chain[] chains = java.util.stream.Stream.generate(SplitQueue.Chain::new).limit(MAX_BUFFERS)
            .toArray(SplitQueue.Chain[]::new);
    /** Writes frames for the guest into the chains taken for them. */
    private final SplitQueue.Filler fill = new SplitQueue.Filler(chains);
    private final MemorySegment runHeader = Arena.ofAuto().allocate(256, 64);
    /** Frames that reached the guest as part of a coalesced frame, and the coalesced frames. */
    public volatile long coalesced;
    public volatile long coalescedFrames;

    /**
     * Writes the segments {@code run[from..from+count)} of one TCP flow, or the datagrams of one UDP flow (a {@link GsoRun}),
     * to the guest. A guest that negotiated VIRTIO_NET_F_GUEST_TSO4 (for UDP, GUEST_USO4) with GUEST_CSUM gets them as one
     * frame with a segmentation-offload header, spread
     * over as many receive buffers as it takes with VIRTIO_NET_F_MRG_RXBUF (all returned at once, the count in
     * {@code num_buffers}), else in one buffer chain large enough. When the guest's buffers can't hold the whole run, the
     * segments that fit go as one frame (or alone) and the rest follow as far as there is room; the buffers not written
     * stay the guest's, and segments that find no room are counted in {@code noBuffer}. A {@link PacketBatch#gsoSize GSO frame}
     * (a run of one) that doesn't fit is cut into its segments, which then go the same way. Each segment's payload is copied
     * once into the guest's memory: from the batch, or from where a split segment's tail is (another guest's memory, a
     * buffer the underlay read into). Other guests get the segments one by one. False when not all went.
     */
    public synchronized boolean sendRun(PacketBatch batch, int[] run, int from, int count) {
        Queues q = queues;
        boolean udp = batch.protocol[run[from]] == dev.weft.fastpath.packet.Parser.UDP;
        if (q == null || count == 1 && batch.gsoSize[run[from]] == 0 || !(udp ? q.guestUso() : q.guestTso())) { // a GSO frame only to a TSO guest (Worker)
            boolean ok = true;
            for (int k = 0; k < count; k++) {
                ok &= send(batch, run[from + k]);
            }
            return ok;
        }
        int headers = GsoRun.headers(batch, run[from]);
        long total = NET_HEADER + headers;
        for (int k = 0; k < count; k++) {
            total += batch.length[run[from + k]] - headers;
        }
        SplitQueue ring = q.toGuest();
        int mark = ring.nextAvailable();
        int taken = 0;
        long room = 0;
        while (room < total) {
            int head = taken < (q.mergeable() ? MAX_BUFFERS : 1) ? ring.next(chains[taken]) : SplitQueue.EMPTY;
            if (head == SplitQueue.EMPTY || head == SplitQueue.RING_OVERFLOW) {
                break; // not room for all: below, as many as fit
            }
            if (head < 0) { // a bad chain (returned already): the chains taken for this frame go back empty
                for (int k = 0; k < taken; k++) {
                    ring.add(chains[k].head, 0);
                }
                ring.publish();
                malformed++;
                delivered = true;
                return false;
            }
            room += chains[taken].bytes(true);
            taken++;
        }
        if (room < total && count == 1 && batch.gsoSize[run[from]] > 0) { // a GSO frame the buffers can't hold whole: its segments
            ring.rewind(mark);
            int segments = batch.segments(run[from]);
            int first = batch.cut(run[from], 0);
            int[] cut = new int[segments];
            for (int k = 0; k < segments; k++) {
                cut[k] = first + k;
            }
            return sendRun(batch, cut, 0, segments); // as many as fit as one frame, the rest as far as there is room
        }
        int fits = count;
        if (room < total) { // the segments that fit in the buffers found go now, the rest after them, if the guest has room
            long need = NET_HEADER + headers;
            fits = 0;
            while (fits < count && need + batch.length[run[from + fits]] - headers <= room) {
                need += batch.length[run[from + fits]] - headers;
                fits++;
            }
            int used = 0;
            for (long held = 0; held < need && fits > 1; used++) {
                held += chains[used].bytes(true);
            }
            ring.rewind(mark + used); // the buffers not needed stay the guest's
            taken = used;
            if (fits == 0) { // not even one segment: none of the run goes
                noBuffer += count;
                return false;
            }
            if (fits == 1) {
                return send(batch, run[from]) & sendRun(batch, run, from + 1, count - 1);
            }
        }
        GsoRun.header(batch, run, from, fits, runHeader, NET_HEADER);
        if (q.mergeable()) {
            runHeader.set(ValueLayout.JAVA_SHORT_UNALIGNED, 10, (short) taken); // num_buffers
        }
        fill.start(taken);
        fill.copy(runHeader, 0, NET_HEADER + headers);
        MemorySegment m = batch.memory();
        for (int k = 0; k < fits; k++) { // a split segment's payload is its tail: from one guest's memory to the other's, one copy
            int i = run[from + k];
            if (batch.tail[i] != null) {
                fill.copy(batch.tail[i], 0, batch.tail[i].byteSize());
            } else {
                fill.copy(m, batch.start[i] + headers, batch.length[i] - headers);
            }
        }
        for (int k = 0; k < taken; k++) {
            ring.add(chains[k].head, fill.filled(k));
        }
        ring.publish();
        framesOut += fits;
        coalesced += fits;
        coalescedFrames++;
        delivered = true;
        return fits == count || sendRun(batch, run, from + fits, count - fits);
    }

    /**
     * Calls the guest about the frames {@link #send} put in its receive queue since the last flush, if it wants a call
     * ({@link SplitQueue#callDue}): at most once per batch, not per frame.
     */
    public synchronized void flush() {
        Queues q = queues;
        if (delivered && q != null && q.toGuest().callDue()) {
            signal(q.callToGuest());
        }
        delivered = false;
    }

    /**
     * After the worker's read of guest memory faulted: when this guest's memory file is shorter than what is mapped of it
     * (its frontend shrank it), ends the connection (the port waits for the frontend to connect again) and returns true.
     */
    public boolean endIfMemoryShrunk() {
        VhostUser guest = connected;
        UnixChannel channel = current;
        if (guest == null || channel == null || ending == guest || !guest.memoryShrunk()) {
            return false;
        }
        ending = guest; // once per connection: until the control thread has withdrawn the queues, reads may fault again
        faults++;
        Native.shutdown(channel.fd()); // the control thread's receive returns: it withdraws the queues (waiting for the workers), then unmaps
        log.log(System.Logger.Level.WARNING, "vhost-user " + socket.getFileName() + ": the guest's memory file shrank under the port; the connection ends");
        return true;
    }

    private void signal(int call) {
        if (call >= 0) {
            Native.write(call, one, 8);
        }
    }

    @Override
    public void close() {
        closed = true;
        UnixChannel connected = current;
        if (connected != null) {
            Native.shutdown(connected.fd()); // the control thread's receive returns
        }
        Native.shutdown(listener); // accept returns (EINVAL), sees closed; not a connection to the path, which may be another's by now
        try {
            control.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the control thread is a daemon; it ends with the process
        }
        Native.close(listener);
        try { // an agent started meanwhile on the same state directory has made a socket of its own there: it stays
            if (socketFile != null && socketFile.equals(java.nio.file.Files.readAttributes(socket,
                    java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS).fileKey())) {
                java.nio.file.Files.delete(socket);
            }
        } catch (IOException e) {
            // gone already: nothing else to do
        }
    }
}
