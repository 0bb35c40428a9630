package dev.weft.fastpath.vhost;

import dev.weft.fastpath.io.Native;
import dev.weft.fastpath.io.UnixChannel;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The backend side of one vhost-user connection (the vhost-user protocol, as QEMU speaks it): the frontend (a guest's
 * virtio-net device) negotiates features, shares the guest's memory (file descriptors, {@code mmap}ed here) and describes
 * its two virtqueues (0: frames to the guest, 1: frames from it), with eventfds to kick and call. Each message is checked:
 * a malformed one ends the connection ({@link VhostUserException}), which affects only this port; everything mapped is
 * unmapped when the frontend goes or resets.
 */
public final class VhostUser implements AutoCloseable {

    /** Requests (the frontend's message types). */
    public static final int GET_FEATURES = 1, SET_FEATURES = 2, SET_OWNER = 3, RESET_OWNER = 4, SET_MEM_TABLE = 5, SET_VRING_NUM = 8,
            SET_VRING_ADDR = 9, SET_VRING_BASE = 10, GET_VRING_BASE = 11, SET_VRING_KICK = 12, SET_VRING_CALL = 13, SET_VRING_ERR = 14,
            GET_PROTOCOL_FEATURES = 15, SET_PROTOCOL_FEATURES = 16, GET_QUEUE_NUM = 17, SET_VRING_ENABLE = 18;

    /** VIRTIO_NET_F_CSUM: the guest may send frames whose TCP or UDP checksum the device completes. */
    public static final long CSUM = 1L << 0;
    /** VIRTIO_NET_F_HOST_TSO4: the guest may send TCP/IPv4 frames of up to 64 kB that the device segments. */
    public static final long HOST_TSO4 = 1L << 11;
    /**
     * VIRTIO_NET_F_HOST_USO: the guest may send UDP frames of up to 64 kB (an application's {@code UDP_SEGMENT} sends) that
     * the device cuts into their datagrams.
     */
    public static final long HOST_USO = 1L << 56;
    /**
     * VIRTIO_NET_F_GUEST_USO4 and _USO6: the guest takes UDP frames of up to 64 kB that its stack cuts into datagrams at its
     * socket; with GUEST_CSUM, and a NIC whose manifest asks for it, a run of one UDP flow's datagrams goes as one.
     */
    public static final long GUEST_USO = 1L << 54 | 1L << 55;
    /** VIRTIO_NET_F_GUEST_CSUM: the guest takes frames whose checksum is partial (the device vouches for the data). */
    public static final long GUEST_CSUM = 1L << 1;
    /** VIRTIO_NET_F_GUEST_TSO4: the guest takes TCP/IPv4 frames of up to 64 kB, a run of segments as one. */
    public static final long GUEST_TSO4 = 1L << 7;
    /** VIRTIO_NET_F_MRG_RXBUF: a frame for the guest may span several receive buffers ({@code num_buffers}). */
    public static final long MRG_RXBUF = 1L << 15;
    /**
     * VIRTIO_RING_F_EVENT_IDX: the guest says when it wants a call with an index ({@code used_event}) rather than a flag, and
     * the device when it wants a kick ({@code avail_event}): a guest asks for one call where it will wait, and kicks once
     * per wake-up of the worker, not once per buffer.
     */
    public static final long EVENT_IDX = 1L << 29;
    /** The offloads toward the guest; a guest that has them takes a run of one TCP flow's segments as one frame. */
    public static final long GUEST_OFFLOADS = GUEST_CSUM | GUEST_TSO4;
    /**
     * Feature bits offered: VIRTIO_NET_F_CSUM, VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_USO, VIRTIO_NET_F_GUEST_CSUM,
     * VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_USO4, VIRTIO_NET_F_GUEST_USO6, VIRTIO_NET_F_MRG_RXBUF,
     * VIRTIO_RING_F_EVENT_IDX, VHOST_USER_F_PROTOCOL_FEATURES, VIRTIO_F_VERSION_1.
     */
    public static final long FEATURES = CSUM | HOST_TSO4 | HOST_USO | GUEST_OFFLOADS | GUEST_USO | MRG_RXBUF | EVENT_IDX | 1L << 30 | 1L << 32;
    /** The names of the feature bits offered, by bit. */
    private static final java.util.SortedMap<Integer, String> FEATURE_NAMES = new java.util.TreeMap<>(java.util.Map.ofEntries(
            java.util.Map.entry(0, "VIRTIO_NET_F_CSUM"), java.util.Map.entry(1, "VIRTIO_NET_F_GUEST_CSUM"),
            java.util.Map.entry(7, "VIRTIO_NET_F_GUEST_TSO4"), java.util.Map.entry(11, "VIRTIO_NET_F_HOST_TSO4"),
            java.util.Map.entry(15, "VIRTIO_NET_F_MRG_RXBUF"), java.util.Map.entry(29, "VIRTIO_RING_F_EVENT_IDX"),
            java.util.Map.entry(30, "VHOST_USER_F_PROTOCOL_FEATURES"), java.util.Map.entry(32, "VIRTIO_F_VERSION_1"),
            java.util.Map.entry(54, "VIRTIO_NET_F_GUEST_USO4"), java.util.Map.entry(55, "VIRTIO_NET_F_GUEST_USO6"),
            java.util.Map.entry(56, "VIRTIO_NET_F_HOST_USO")));

    /** The names of the feature bits in {@code features} (only bits this backend offers can be negotiated), lowest first. */
    public static List<String> featureNames(long features) {
        return FEATURE_NAMES.entrySet().stream().filter(e -> (features & 1L << e.getKey()) != 0).map(java.util.Map.Entry::getValue).toList();
    }

    /** Protocol features offered: VHOST_USER_PROTOCOL_F_REPLY_ACK. */
    public static final long PROTOCOL_FEATURES = 1L << 3;

    static final int VERSION = 0x1;
    static final int REPLY = 0x4;
    static final int NEED_REPLY = 0x8;
    static final int HEADER = 12;
    static final int MAX_PAYLOAD = 8 + 8 * 32; // the memory table is the largest message offered
    static final int MAX_REGIONS = 8;
    public static final int QUEUES = 2;
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A message the backend can't accept: the connection ends. */
    public static final class VhostUserException extends IOException {
        public VhostUserException(String message) {
            super(message);
        }
    }

    /** One virtqueue as the frontend describes it. */
    static final class Ring {
        int size;
        long descriptors;
        long used;
        long available;
        int base;
        int kick = -1;
        int call = -1;
        boolean enabled;
        SplitQueue queue;
    }

    private final UnixChannel channel;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment header = arena.allocate(HEADER);
    private final MemorySegment payload = arena.allocate(MAX_PAYLOAD);
    private final MemorySegment answer = arena.allocate(HEADER + 8);
    private final int[] fds = new int[UnixChannel.MAX_FDS];
    private final Ring[] rings = {new Ring(), new Ring()};
    private final List<MemorySegment> mappings = new ArrayList<>();
    /** Each mapped region's file and how much of it is mapped. */
    private record MappedFile(int fd, long mapped) {
    }
    private final List<MappedFile> files = new java.util.concurrent.CopyOnWriteArrayList<>();
    private GuestMemory memory;
    private long features;
    private long protocolFeatures;

    private final Runnable beforeChange;

    public VhostUser(UnixChannel channel) {
        this(channel, () -> { });
    }

    /**
     * @param beforeChange runs when a message has arrived, before it changes anything (queues, memory, eventfds), and
     *                     before guest memory is unmapped: nothing may use the queues after it until they are asked for again
     */
    public VhostUser(UnixChannel channel, Runnable beforeChange) {
        this.channel = channel;
        this.beforeChange = beforeChange;
    }

    /** Reads and carries out one message; false when the frontend closed the connection. */
    public boolean handle() throws IOException {
        if (channel.receive(header, fds) < 0) {
            return false;
        }
        int request = header.get(U32, 0);
        int flags = header.get(U32, 4);
        int size = header.get(U32, 8);
        List<Integer> passed = new ArrayList<>();
        for (int fd : fds) {
            if (fd >= 0) {
                passed.add(fd);
            }
        }
        try {
            if ((flags & 0x3) != VERSION) {
                throw new VhostUserException("unknown protocol version in flags " + Integer.toHexString(flags));
            }
            if (size < 0 || size > MAX_PAYLOAD) {
                throw new VhostUserException("request " + request + ": payload of " + size + " bytes");
            }
            MemorySegment body = payload.asSlice(0, size);
            if (size > 0 && channel.receive(body, fds) != 0) {
                java.util.Arrays.stream(fds).filter(fd -> fd >= 0).forEach(Native::close);
                throw new VhostUserException("request " + request + ": descriptors in the middle of a message");
            }
            beforeChange.run();
            boolean replied = carryOut(request, body, passed);
            if ((flags & NEED_REPLY) != 0 && (protocolFeatures & PROTOCOL_FEATURES) != 0 && !replied) {
                reply(request, 0L); // REPLY_ACK: success
            }
            return true;
        } catch (VhostUserException e) {
            passed.forEach(Native::close);
            throw e;
        }
    }

    /** Carries out {@code request}; true when it has replied. Takes ownership of the descriptors it keeps. */
    private boolean carryOut(int request, MemorySegment body, List<Integer> passed) throws IOException {
        switch (request) {
            case GET_FEATURES -> {
                reply(request, FEATURES);
                return true;
            }
            case SET_FEATURES -> {
                long wanted = u64(body, 0);
                if ((wanted & ~FEATURES) != 0) {
                    throw new VhostUserException("features not offered: " + Long.toHexString(wanted & ~FEATURES));
                }
                features = wanted;
                for (Ring r : rings) {
                    if (r.queue != null) {
                        r.queue.eventIndex((features & EVENT_IDX) != 0);
                    }
                }
            }
            case GET_PROTOCOL_FEATURES -> {
                reply(request, PROTOCOL_FEATURES);
                return true;
            }
            case SET_PROTOCOL_FEATURES -> protocolFeatures = u64(body, 0) & PROTOCOL_FEATURES;
            case GET_QUEUE_NUM -> {
                reply(request, 1L);
                return true;
            }
            case SET_OWNER -> {
            }
            case RESET_OWNER -> reset();
            case SET_MEM_TABLE -> memoryTable(body, passed);
            case SET_VRING_NUM -> {
                int size = u32(body, 4);
                if (size <= 0 || size > 32768 || Integer.bitCount(size) != 1) {
                    throw new VhostUserException("queue size must be a power of two up to 32768: " + size);
                }
                ring(body).size = size;
            }
            case SET_VRING_ADDR -> {
                Ring r = ring(body);
                r.descriptors = u64(body, 8);
                r.used = u64(body, 16);
                r.available = u64(body, 24);
                build(r);
            }
            case SET_VRING_BASE -> {
                Ring r = ring(body);
                r.base = u32(body, 4) & 0xffff;
                if (r.queue != null) {
                    r.queue.base(r.base);
                }
            }
            case GET_VRING_BASE -> { // the frontend stops the queue: where it got to
                Ring r = ring(body);
                int index = r.queue == null ? r.base : r.queue.nextAvailable();
                r.enabled = false;
                answer.set(U32, HEADER, u32(body, 0));
                answer.set(U32, HEADER + 4, index);
                reply(request);
                return true;
            }
            case SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR -> {
                long value = u64(body, 0);
                int index = (int) (value & 0xff);
                if (index >= QUEUES) {
                    throw new VhostUserException("queue " + index + " (this device has " + QUEUES + ")");
                }
                boolean noFd = (value & 0x100) != 0;
                if (noFd != passed.isEmpty() || passed.size() > 1) {
                    throw new VhostUserException("request " + request + ": " + passed.size() + " descriptors passed");
                }
                int fd = noFd ? -1 : passed.removeFirst();
                Ring r = rings[index];
                if (request == SET_VRING_KICK) {
                    closeQuietly(r.kick);
                    r.kick = fd;
                    r.enabled |= (features & 1L << 30) == 0; // without protocol features a kicked ring starts enabled
                } else if (request == SET_VRING_CALL) {
                    closeQuietly(r.call);
                    r.call = fd;
                } else {
                    closeQuietly(fd);
                }
            }
            case SET_VRING_ENABLE -> ring(body).enabled = u32(body, 4) != 0;
            default -> throw new VhostUserException("request " + request + " is not supported");
        }
        if (!passed.isEmpty()) {
            throw new VhostUserException("request " + request + " passed " + passed.size() + " descriptors it doesn't take");
        }
        return false;
    }

    private void memoryTable(MemorySegment body, List<Integer> passed) throws VhostUserException {
        int count = u32(body, 0);
        if (count < 1 || count > MAX_REGIONS || body.byteSize() < 8 + 32L * count || passed.size() != count) {
            throw new VhostUserException("memory table of " + count + " regions with " + passed.size() + " descriptors");
        }
        unmap();
        List<GuestMemory.Region> regions = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            long at = 8 + 32L * k;
            long guest = u64(body, at);
            long size = u64(body, at + 8);
            long user = u64(body, at + 16);
            long offset = u64(body, at + 24);
            int fd = passed.getFirst(); // the descriptors not taken yet are closed by handle when this throws
            long file = Native.fileSize(fd);
            if (size <= 0 || offset < 0 || file < 0 || offset > file || size > file - offset) {
                throw new VhostUserException("region " + k + " of " + size + " bytes at offset " + offset + " is not within its file of "
                        + file + " bytes");
            }
            keepFromShrinking(fd);
            MemorySegment mapping = Native.mmap(fd, size + offset, 0);
            if (mapping.byteSize() == 0) {
                throw new VhostUserException("region " + k + " of " + size + " bytes at offset " + offset + " can't be mapped");
            }
            passed.removeFirst();
            mappings.add(mapping);
            files.add(new MappedFile(fd, size + offset)); // kept open to see whether it shrinks
            regions.add(new GuestMemory.Region(guest, user, size, mapping.asSlice(offset, size)));
        }
        memory = new GuestMemory(regions);
        for (Ring r : rings) {
            r.queue = null;
            build(r);
        }
    }

    /**
     * Seals the memory file {@code fd} against shrinking where it can be sealed (a memfd made with sealing allowed; QEMU's
     * {@code memory-backend-memfd} is already sealed): pages cut off a mapped file fault when read, and a frontend that
     * shrank the file under a running port would have the worker read them. Files that can't be sealed (hugetlbfs, tmpfs
     * files) are taken as they are: a fault on one is counted and ends the port's connection ({@code VhostPort}).
     */
    private static void keepFromShrinking(int fd) {
        int seals = Native.fcntl(fd, Native.F_GET_SEALS, 0);
        if (seals >= 0 && (seals & (Native.F_SEAL_SHRINK | Native.F_SEAL_SEAL)) == 0) {
            Native.fcntl(fd, Native.F_ADD_SEALS, Native.F_SEAL_SHRINK);
        }
    }

    /** The ring's queue, once its size, addresses and the memory are known and its rings lie in that memory. */
    private void build(Ring r) throws VhostUserException {
        if (memory == null || r.size == 0 || r.descriptors == 0) {
            return;
        }
        MemorySegment d = memory.user(r.descriptors, 16L * r.size);
        MemorySegment a = memory.user(r.available, 6L + 2L * r.size);
        MemorySegment u = memory.user(r.used, 6L + 8L * r.size);
        if (d == null || a == null || u == null) {
            throw new VhostUserException("a ring of " + r.size + " entries lies outside the guest's memory");
        }
        r.queue = new SplitQueue(memory, r.size, d, a, u);
        r.queue.base(r.base);
        r.queue.eventIndex((features & EVENT_IDX) != 0);
    }

    private Ring ring(MemorySegment body) throws VhostUserException {
        int index = u32(body, 0);
        if (index < 0 || index >= QUEUES) {
            throw new VhostUserException("queue " + index + " (this device has " + QUEUES + ")");
        }
        return rings[index];
    }

    private static long u64(MemorySegment body, long at) throws VhostUserException {
        if (body.byteSize() < at + 8) {
            throw new VhostUserException("message too short");
        }
        return body.get(U64, at);
    }

    private static int u32(MemorySegment body, long at) throws VhostUserException {
        if (body.byteSize() < at + 4) {
            throw new VhostUserException("message too short");
        }
        return body.get(U32, at);
    }

    private void reply(int request, long value) throws IOException {
        answer.set(U64, HEADER, value);
        reply(request);
    }

    /** Sends the reply to {@code request} whose 8 bytes of payload are in {@code answer}. */
    private void reply(int request) throws IOException {
        answer.set(U32, 0, request);
        answer.set(U32, 4, VERSION | REPLY);
        answer.set(U32, 8, 8);
        channel.send(answer);
    }

    /**
     * Whether a file of the guest's memory is now shorter than what is mapped of it: the frontend shrank it, and reading the
     * pages cut off faults. Safe to call from any thread.
     */
    public boolean memoryShrunk() {
        for (MappedFile f : files) {
            long size = Native.fileSize(f.fd());
            if (size >= 0 && size < f.mapped()) {
                return true;
            }
        }
        return false;
    }

    /** Queue {@code index} (0: to the guest, 1: from it) when it is set up and enabled, else null. */
    public SplitQueue queue(int index) {
        Ring r = rings[index];
        return r.enabled ? r.queue : null;
    }

    /** The eventfd the guest kicks queue {@code index} with, or -1. */
    public int kick(int index) {
        return rings[index].kick;
    }

    /** The eventfd to call the guest with about queue {@code index}, or -1. */
    public int call(int index) {
        return rings[index].call;
    }

    public long features() {
        return features;
    }

    private void reset() {
        unmap();
        for (Ring r : rings) {
            closeQuietly(r.kick);
            closeQuietly(r.call);
        }
        rings[0] = new Ring();
        rings[1] = new Ring();
        features = 0;
    }

    private void unmap() {
        if (!mappings.isEmpty()) {
            beforeChange.run();
        }
        for (Ring r : rings) {
            r.queue = null;
        }
        mappings.forEach(Native::munmap);
        mappings.clear();
        files.forEach(f -> Native.close(f.fd()));
        files.clear();
        memory = null;
    }

    private static void closeQuietly(int fd) {
        if (fd >= 0) {
            Native.close(fd);
        }
    }

    @Override
    public void close() {
        reset();
        channel.close();
        arena.close();
    }
}
