package dev.weft.fastpath.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * An io_uring (Linux 5.1) through FFM, for reading and writing many frames of TAP devices in one system call: a worker
 * queues a read or write per frame ({@link #read}, {@link #write}), then {@link #submit} hands them all to the kernel with
 * one {@code io_uring_enter}, which also waits for them. A TAP device's descriptor is non-blocking, so the kernel does each
 * at once, in that call (a read is marked {@code RWF_NOWAIT}: finding nothing waiting, it ends with -EAGAIN); the frames' memory only has to stay as it is
 * until {@code submit} returns. One device's reads and writes happen in the order they were queued. Used by one thread at
 * a time.
 */
public final class IoRing implements AutoCloseable {

    private static final byte OP_READ = 22;
    private static final byte OP_WRITE = 23;
    private static final int ENTER_GETEVENTS = 1;
    private static final int RWF_NOWAIT = 8;
    private static final int FEAT_SINGLE_MMAP = 1;
    private static final long OFF_CQ_RING = 0x8000000L;
    private static final long OFF_SQES = 0x10000000L;
    private static final int SQE = 64;
    private static final int CQE = 16;
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final int fd;
    private final int entries;
    private final MemorySegment sqRing;
    private final MemorySegment cqRing;
    private final MemorySegment sqes;
    private final long sqTail;
    private final int sqMask;
    private final long cqHead;
    private final long cqTail;
    private final int cqMask;
    private final long cqes;
    private int tail;
    private int queued;
    private int inFlight;
    /** io_uring_enter calls made, operations completed, and calls that failed (other than interrupted). */
    private long enters;
    private long operations;
    private long enterFailures;
    private static final int EINTR = 4;
    /** What each queued operation expects to have moved, its owner, and what its outcome is reported to. */
    private final long[] expected;
    private final Object[] owner;
    private final Outcome[] outcome;

    /**
     * What an operation's outcome is reported to: the kernel's {@code result} (bytes written or read, or -errno), and
     * {@code whole} when a write wrote its whole frame.
     */
    @FunctionalInterface
    public interface Outcome {
        void completed(Object owner, int result, boolean whole);
    }

    private IoRing(int fd, int entries, MemorySegment sqRing, MemorySegment cqRing, MemorySegment sqes, MemorySegment params) {
        this.fd = fd;
        this.entries = entries;
        this.sqRing = sqRing;
        this.cqRing = cqRing;
        this.sqes = sqes;
        this.sqTail = params.get(ValueLayout.JAVA_INT, 44);
        this.sqMask = sqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, 48));
        this.cqHead = params.get(ValueLayout.JAVA_INT, 80);
        this.cqTail = params.get(ValueLayout.JAVA_INT, 84);
        this.cqMask = cqRing.get(ValueLayout.JAVA_INT, params.get(ValueLayout.JAVA_INT, 88));
        this.cqes = params.get(ValueLayout.JAVA_INT, 100);
        long array = params.get(ValueLayout.JAVA_INT, 64);
        for (int i = 0; i < entries; i++) { // submission i is always in slot i: the indirection array is the identity
            sqRing.set(ValueLayout.JAVA_INT, array + 4L * i, i);
        }
        this.tail = (int) INT.getAcquire(sqRing, sqTail);
        this.expected = new long[entries];
        this.owner = new Object[entries];
        this.outcome = new Outcome[entries];
    }

    /**
     * A ring of {@code entries} (a power of two) reads and writes; throws when the kernel has none to give (an old kernel, or
     * io_uring turned off by {@code kernel.io_uring_disabled} or a seccomp filter): the caller reads and writes one frame
     * at a time.
     */
    public static IoRing open(int entries) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = arena.allocate(120, 8);
            int fd = Native.ioUringSetup(entries, params);
            if (fd < 0) {
                throw new IOException("io_uring_setup: " + Native.strerror(Native.errno()));
            }
            int sqEntries = params.get(ValueLayout.JAVA_INT, 0);
            int cqEntries = params.get(ValueLayout.JAVA_INT, 4);
            int features = params.get(ValueLayout.JAVA_INT, 20);
            long sqSize = params.get(ValueLayout.JAVA_INT, 64) + 4L * sqEntries;
            long cqSize = params.get(ValueLayout.JAVA_INT, 100) + (long) CQE * cqEntries;
            boolean single = (features & FEAT_SINGLE_MMAP) != 0;
            MemorySegment sq = Native.mmap(fd, single ? Math.max(sqSize, cqSize) : sqSize, 0);
            MemorySegment cq = single ? sq : Native.mmap(fd, cqSize, OFF_CQ_RING);
            MemorySegment sqes = Native.mmap(fd, (long) SQE * sqEntries, OFF_SQES);
            if (sq.byteSize() == 0 || cq.byteSize() == 0 || sqes.byteSize() == 0) {
                int errno = Native.errno();
                for (MemorySegment m : new MemorySegment[] {sq, single ? MemorySegment.NULL : cq, sqes}) {
                    if (m.byteSize() > 0) {
                        Native.munmap(m);
                    }
                }
                Native.close(fd);
                throw new IOException("mmap io_uring: " + Native.strerror(errno));
            }
            MemorySegment copy = Arena.ofAuto().allocate(120, 8).copyFrom(params);
            return new IoRing(fd, sqEntries, sq, cq, sqes, copy);
        }
    }

    /**
     * Queues a write of {@code length} bytes at {@code memory[at]} to descriptor {@code target}, reported to {@code outcome}
     * with {@code owner} at the next {@link #submit}; submits first when the ring is full.
     */
    public void write(int target, MemorySegment memory, long at, long length, Object owner, Outcome outcome) {
        queue(OP_WRITE, target, memory, at, length, owner, outcome);
    }

    /**
     * Queues a read of up to {@code length} bytes from descriptor {@code target} into {@code memory[at]}, reported (the
     * bytes read, or -EAGAIN when nothing was waiting) to {@code outcome} with {@code owner} at the next {@link #submit}.
     */
    public void read(int target, MemorySegment memory, long at, long length, Object owner, Outcome outcome) {
        queue(OP_READ, target, memory, at, length, owner, outcome);
    }

    private void queue(byte op, int target, MemorySegment memory, long at, long length, Object owner, Outcome outcome) {
        if (queued == entries) {
            submit();
        }
        int slot = tail & sqMask;
        long sqe = (long) slot * SQE;
        for (int q = 0; q < SQE; q += 8) {
            sqes.set(ValueLayout.JAVA_LONG, sqe + q, 0L);
        }
        sqes.set(ValueLayout.JAVA_BYTE, sqe, op);
        sqes.set(ValueLayout.JAVA_INT, sqe + 4, target);
        sqes.set(ValueLayout.JAVA_LONG, sqe + 8, -1L); // the file's position: a character device has none
        sqes.set(ValueLayout.JAVA_LONG, sqe + 16, memory.address() + at);
        sqes.set(ValueLayout.JAVA_INT, sqe + 24, (int) length);
        sqes.set(ValueLayout.JAVA_INT, sqe + 28, RWF_NOWAIT); // io_uring would otherwise wait for a frame, O_NONBLOCK or not
        sqes.set(ValueLayout.JAVA_LONG, sqe + 32, slot);
        expected[slot] = length;
        this.owner[slot] = owner;
        this.outcome[slot] = outcome;
        tail++;
        queued++;
    }

    /**
     * Hands the queued operations to the kernel and waits until all are done (one system call), telling each one's outcome
     * how it went; returns how many moved their whole length.
     */
    public int submit() {
        if (queued == 0) {
            return 0;
        }
        INT.setRelease(sqRing, sqTail, tail);
        int toSubmit = queued;
        inFlight += queued;
        queued = 0;
        int whole = 0;
        while (inFlight > 0) {
            int r = Native.ioUringEnter(fd, toSubmit, inFlight, ENTER_GETEVENTS);
            enters++;
            if (r >= 0) {
                toSubmit -= Math.min(r, toSubmit);
            } else if (Native.errno() != EINTR) {
                enterFailures++; // not seen with TAP devices; what completes is reported at the next submit
                break;
            }
            whole += drain();
        }
        return whole;
    }

    /** Takes every completion the kernel posted, telling its outcome; returns how many moved their whole length. */
    private int drain() {
        int head = (int) INT.getAcquire(cqRing, cqHead);
        int end = (int) INT.getAcquire(cqRing, cqTail);
        int whole = 0;
        for (; head != end; head++) {
            long cqe = cqes + (long) (head & cqMask) * CQE;
            int slot = (int) cqRing.get(ValueLayout.JAVA_LONG, cqe);
            int result = cqRing.get(ValueLayout.JAVA_INT, cqe + 8);
            boolean ok = result == expected[slot];
            whole += ok ? 1 : 0;
            outcome[slot].completed(owner[slot], result, ok);
            owner[slot] = null;
            outcome[slot] = null;
            inFlight--;
            operations++;
        }
        INT.setRelease(cqRing, cqHead, head);
        return whole;
    }

    /** What the ring has done so far: system calls, operations completed through them, and calls that failed. */
    public record Counts(long enters, long operations, long enterFailures) {
        public static final Counts NONE = new Counts(0, 0, 0);

        public Counts plus(Counts o) {
            return new Counts(enters + o.enters, operations + o.operations, enterFailures + o.enterFailures);
        }
    }

    /** Read by another thread while the owner works: each figure is one it had a moment ago. */
    public Counts counts() {
        return new Counts(enters, operations, enterFailures);
    }

    @Override
    public void close() {
        Native.munmap(sqes);
        if (cqRing != sqRing) {
            Native.munmap(cqRing);
        }
        Native.munmap(sqRing);
        Native.close(fd);
    }
}
