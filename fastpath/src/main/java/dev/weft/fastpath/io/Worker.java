package dev.weft.fastpath.io;

import dev.weft.fastpath.node.VxlanInput;
import dev.weft.fastpath.pipeline.Counters;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One data-plane worker: a platform thread that waits in {@code epoll} on the TAP ports and the underlay
 * socket, reads a burst from each into one batch, runs the pipeline with the tables current at that
 * moment (read once per batch), and writes every frame out: to its port's TAP, or to the underlay with
 * one {@code sendmmsg}. No locks on the packet path; ports come and go through a concurrent map that
 * is read between batches.
 */
public final class Worker implements Runnable, AutoCloseable {

    private static final int EPOLLIN = 1;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;
    private static final int EPOLL_CTL_MOD = 3;

    private final Supplier<ForwardingTables> tables;
    private final Underlay underlay;
    private final Pipeline pipeline;
    private final PacketBatch batch = new PacketBatch();
    private final TapDevice.WriteScratch scratch = new TapDevice.WriteScratch();
    /**
     * The TAP devices' io_uring ({@link IoRing}): frames are read eight to a system call, and a batch's plain frames for the
     * devices queued and then written with one; null where the kernel offers none (then each is read and written on its own).
     */
    private final IoRing ring = openRing();
    /** Where TAP frames are read into through {@link #ring} (null without it). */
    private final TapDevice.ReadBuffers readBuffers = ring == null ? null : new TapDevice.ReadBuffers();
    /** A queued TAP write's outcome: a frame not written is a lost mirrored copy or a port failure. */
    private final IoRing.Outcome tapWritten = this::tapWritten;
    /** Why TAP frames are not read and written through an io_uring here (null when they are). */
    private String ringUnavailable;

    private IoRing openRing() {
        if ("false".equals(System.getProperty("weft.tap.ioUring"))) {
            ringUnavailable = "turned off (-Dweft.tap.ioUring=false)";
            return null;
        }
        try {
            return IoRing.open(PacketBatch.CAPACITY);
        } catch (IOException e) {
            ringUnavailable = e.getMessage();
            return null;
        }
    }
    private final Map<String, TapDevice> ports = new ConcurrentHashMap<>();
    private final java.util.Set<String> readers = ConcurrentHashMap.newKeySet();
    /** Ports that are vhost-user sockets (polled every loop), and those this worker reads. */
    private final Map<String, VhostPort> vhosts = new ConcurrentHashMap<>();
    private final java.util.Set<String> vhostReaders = ConcurrentHashMap.newKeySet();
    private final int epoll;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events = arena.allocate(Structs.EPOLL_EVENT, 64);
    private final int[] toUnderlay = new int[PacketBatch.CAPACITY];
    /** The frames in {@link #toUnderlay} so far, while {@link #send} goes through a batch. */
    private int encapsulated;
    private final int[] toPort = new int[PacketBatch.CAPACITY];
    private volatile boolean running = true;
    /** Loops begun: once it moves past its value at a table swap, the worker no longer uses the old tables or ports. */
    private volatile long loops;
    private volatile long busyPollNanos = BUSY_POLL_MICROS * 1_000;
    /** When epoll last said a device had something (System.nanoTime). */
    private long readyAt = Long.MIN_VALUE / 2;
    /** What {@link #activity} reports; single writer (the worker), read as plain longs. */
    private long sleeps;
    private long yields;
    private long batches;
    private long frames;
    private long busyNanos;
    public volatile long txPortFailures;

    /** The ports' rate limits; ports over their outbound limit, not read until their time (fd → nanoTime); queues of frames for ports over their inbound limit. */
    private final dev.weft.fastpath.qos.PortMeters meters;
    private long rebalancedAt;
    private final Map<Integer, Long> paused = new java.util.HashMap<>();
    private final Map<String, dev.weft.fastpath.qos.ShapingQueue> queues = new java.util.HashMap<>();
    private dev.weft.fastpath.qos.ShapingQueue[] queueOf = new dev.weft.fastpath.qos.ShapingQueue[0];
    private int queued;
    /** Whether a vhost-user guest over its outbound limit has frames waiting: the next loop comes within a millisecond. */
    private boolean guestsWaiting;
    /** Whether a vhost-user guest sent frames in the last loop: the next looks again without sleeping. */
    private boolean guestsBusy;
    /** The vhost-user ports by port index, for the current tables. */
    private VhostPort[] vhostPorts = new VhostPort[0];
    /** Whether port p's VM takes a run of one UDP flow's datagrams as one frame, by the current tables. */
    private boolean[] udpCoalescing = new boolean[0];

    private volatile UplinkDevice uplink;
    private volatile boolean readsUplink;
    public volatile long txUplinkFailures;

    /** @param tables the current tables, read once per batch */
    public Worker(Supplier<ForwardingTables> tables, Underlay underlay) throws IOException {
        this(tables, underlay, new dev.weft.fastpath.uplink.NatSessions(1 << 16), new dev.weft.fastpath.uplink.Neighbors(),
                new dev.weft.fastpath.lb.LbSessions(1 << 16), new dev.weft.fastpath.lb.ProbeTable(), new dev.weft.fastpath.qos.Meters());
    }

    /**
     * @param tables    the current tables, read once per batch
     * @param sessions  the host's NAT translations, shared by its workers
     * @param neighbors the host's uplink neighbours, shared by its workers
     * @param balanced  the host's load-balanced connections, shared by its workers
     * @param probes    the host's health probes in flight
     * @param meters    the host's rate limits, shared by its workers
     */
    public Worker(Supplier<ForwardingTables> tables, Underlay underlay, dev.weft.fastpath.uplink.NatSessions sessions,
                  dev.weft.fastpath.uplink.Neighbors neighbors, dev.weft.fastpath.lb.LbSessions balanced,
                  dev.weft.fastpath.lb.ProbeTable probes, dev.weft.fastpath.qos.Meters meters) throws IOException {
        dev.weft.fastpath.pipeline.Warmup.vectorKernels(); // the first packets find the Vector API compiled (once per JVM)
        this.pipeline = new Pipeline(1 << 16, new dev.weft.fastpath.security.Conntrack(1 << 16), sessions, neighbors, balanced, probes);
        this.meters = new dev.weft.fastpath.qos.PortMeters(meters);
        this.tables = tables;
        this.underlay = underlay;
        this.epoll = (int) Native.check(Native.epollCreate(), "epoll_create1");
        for (int fd : underlay.fds()) {
            watch(fd, true);
        }
    }

    /** Stops (or resumes) waiting for frames from {@code fd}, which stays registered. */
    private void listen(int fd, boolean on) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment event = a.allocate(Structs.EPOLL_EVENT);
            Structs.epollEvent(event, 0, on ? EPOLLIN : 0, fd);
            Native.epollCtl(epoll, EPOLL_CTL_MOD, fd, event); // a device detached meanwhile: ENOENT, nothing to do
        }
    }

    private void watch(int fd, boolean add) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment event = a.allocate(Structs.EPOLL_EVENT);
            Structs.epollEvent(event, 0, EPOLLIN, fd);
            Native.epollCtl(epoll, add ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, event);
        }
    }

    /** Serves the TAP device of the port named {@code key} (a Port object's key): reads from it and writes to it. */
    public void attach(String key, TapDevice tap) {
        attach(key, tap, true);
    }

    /**
     * Knows the port's TAP device, to write frames for it; reads from it only when {@code reads} (with
     * several workers, each reads its share of the ports and writes to any).
     */
    public void attach(String key, TapDevice tap, boolean reads) {
        ports.put(key, tap);
        if (reads) {
            readers.add(key);
            watch(tap.fd(), true);
        }
    }

    /**
     * Sends frames for the uplink to {@code device} (null: none), and reads from it when {@code reads} (one worker
     * reads a host's uplink). The caller closes a replaced device once every worker has begun a new loop.
     */
    public synchronized void uplink(UplinkDevice device, boolean reads) {
        UplinkDevice old = uplink;
        if (old != null && readsUplink) {
            watch(old.fd(), false);
        }
        uplink = device;
        readsUplink = device != null && reads;
        if (readsUplink) {
            watch(device.fd(), true);
        }
    }

    /** Per vhost-user port index this worker reads, its guest's kick eventfd as watched here: [the guest's fd, this worker's duplicate]. */
    private final Map<Integer, int[]> kicks = new java.util.HashMap<>();
    /** The duplicates in this worker's epoll. */
    private final java.util.Set<Integer> kickFds = new java.util.HashSet<>();
    private final MemorySegment kickValue = Arena.ofAuto().allocate(8);

    /**
     * Watches the guest's kick eventfd {@code kick} (-1: none) for port {@code p} in this worker's epoll, through a
     * duplicate this worker owns: the guest's own descriptor is closed by the control thread whenever the guest changes it,
     * and an epoll registration outlives a closed descriptor while the eventfd is open elsewhere (in QEMU).
     */
    private void watchKick(int p, int kick) {
        int[] watched = kicks.get(p);
        if (watched != null && watched[0] == kick) {
            return;
        }
        if (watched != null) {
            unwatchKick(watched);
            kicks.remove(p);
        }
        if (kick >= 0) {
            int own = Native.dup(kick);
            if (own >= 0) {
                watch(own, true);
                kickFds.add(own);
                kicks.put(p, new int[] {kick, own});
            }
        }
    }

    private void unwatchKick(int[] watched) {
        watch(watched[1], false);
        kickFds.remove(watched[1]);
        Native.close(watched[1]);
    }

    /** Serves the vhost-user port named {@code key}: writes frames for it, and reads it when {@code reads}. */
    public void attach(String key, VhostPort port, boolean reads) {
        vhosts.put(key, port);
        if (reads) {
            vhostReaders.add(key);
        }
    }

    /** Forgets the port; the caller closes its TAP device once every worker has forgotten it. */
    public void detach(String key) {
        vhosts.remove(key);
        vhostReaders.remove(key);
        TapDevice tap = ports.remove(key);
        if (tap != null && readers.remove(key)) {
            watch(tap.fd(), false);
        }
    }

    /** Flow records of logged security rules go to {@code sink}. */
    public void audit(dev.weft.fastpath.security.AuditSink sink) {
        pipeline.audit(sink);
    }

    public dev.weft.fastpath.security.Conntrack conntrack() {
        return pipeline.conntrack();
    }

    /** The taps' copies this worker made and lost. */
    public dev.weft.fastpath.mirror.Mirrors mirrors() {
        return pipeline.mirrors();
    }

    public Counters counters() {
        return pipeline.counters();
    }

    /** How long a worker polls after its devices last had something, unless told otherwise: see {@link #busyPoll}. */
    public static final long BUSY_POLL_MICROS = 200;
    /**
     * For {@code micros} after its devices last had something to read, the worker looks again without sleeping, yielding
     * its core to any other thread that wants it between looks; then it sleeps in {@code epoll_wait} until woken. A frame
     * that comes while it polls costs no wake-up: not the sender's (no sleeper to wake) nor its own (no switch back in),
     * which on a host where those are dear is most of a small frame's cost (see BENCHMARKS.md). 0: always sleep.
     */
    public void busyPoll(long micros) {
        busyPollNanos = micros * 1_000;
    }

    /**
     * Runs the loop until stopped. Reading memory a vhost-user frontend shares faults when the frontend has shrunk its file
     * under the port (the JVM turns the fault into an {@link InternalError}): the batch is dropped, the fault counted, the
     * connections of the guests whose memory shrank end, and the loop goes on for every other port.
     */
    @Override
    public void run() {
        while (running) {
            try {
                loop();
            } catch (InternalError e) {
                faults++;
                batch.clear();
                hairpin.clear();
                boolean guest = vhosts.values().stream().map(VhostPort::endIfMemoryShrunk).reduce(false, Boolean::logicalOr);
                if (!guest && Long.bitCount(faults) == 1) { // not a guest's shrunk memory: say so, less often as it repeats
                    System.getLogger(Worker.class.getName()).log(System.Logger.Level.ERROR, "packet worker: fault " + faults + ", batch dropped", e);
                }
            }
        }
    }

    /** Memory faults the loop survived (see {@link #run}). */
    public volatile long faults;

    private void loop() {
        TapDevice[] byIndex = new TapDevice[0];
        VhostPort[] vhostOf = new VhostPort[0];
        int[] vhostRead = new int[0];
        Map<Integer, Integer> portOfFd = new java.util.HashMap<>();
        long generation = -1;
        int mapSize = -1;
        while (running) {
            loops++; // single writer
            int timeout = guestsBusy ? 0 : paused.isEmpty() && queued == 0 && !guestsWaiting ? 100 : 1;
            boolean polling = timeout > 0 && System.nanoTime() - readyAt < busyPollNanos;
            if (timeout > 0 && !polling) {
                sleeps++; // the other looks, loops - sleeps, are polls
            }
            int ready = Native.epollWait(epoll, events, 64, polling ? 0 : timeout);
            if (ready > 0) {
                readyAt = System.nanoTime();
            } else if (polling) {
                yields++;
                Thread.yield(); // any other thread that wants this core has it first
            }
            ForwardingTables t = tables.get();
            if (t == null) {
                continue;
            }
            udpCoalescing = t.portUdpCoalescing;
            if (t.generation != generation || ports.size() + vhosts.size() != mapSize) { // port indexes follow the table's port order
                byIndex = new TapDevice[t.portCount()];
                vhostOf = new VhostPort[t.portCount()];
                portOfFd.clear();
                java.util.List<Integer> read = new java.util.ArrayList<>();
                for (int p = 0; p < byIndex.length; p++) {
                    byIndex[p] = ports.get(t.ports[p].name());
                    if (byIndex[p] != null && readers.contains(t.ports[p].name())) {
                        portOfFd.put(byIndex[p].fd(), p);
                    }
                    vhostOf[p] = vhosts.get(t.ports[p].name());
                    if (vhostOf[p] != null && vhostReaders.contains(t.ports[p].name())) {
                        read.add(p);
                    }
                }
                vhostRead = read.stream().mapToInt(Integer::intValue).toArray();
                kicks.values().forEach(this::unwatchKick);
                kicks.clear();
                vhostPorts = vhostOf;
                meters.refresh(t);
                queueOf = queues(t);
                generation = t.generation;
                mapSize = ports.size() + vhosts.size();
            }
            long now = System.nanoTime();
            if (now - rebalancedAt >= dev.weft.fastpath.qos.PortMeters.ACTIVE_NANOS) { // the host's capacity among the VMs sending now
                meters.rebalance(now);
                rebalancedAt = now;
            }
            UplinkDevice announcer = uplink;
            if (announcer != null && announcer.receives() && (announcer != announcedOn || t.generation != announcedGeneration)) {
                announce(t, announcer, now);
            } else if (announcer != null && announcer == announcedOn && toAnnounceAgain.length > 0 && now - announcedAt >= ANNOUNCE_INTERVAL) {
                announceAgain(announcer);
            }
            if (announcer != null) {
                releaseHeld(announcer, now);
            }
            if (!paused.isEmpty() || queued > 0) {
                shape(now, byIndex);
            }
            batch.clear();
            if (readBuffers != null) {
                readBuffers.reset();
            }
            guestsBusy = false;
            guestsWaiting = false;
            for (int p : vhostRead) { // vhost-user guests: looked at every loop; while they send, without sleeping in between
                watchKick(p, vhostOf[p].kick());
                if (meters.outbound(p) == null && meters.host(p) == null) {
                    guestsBusy |= vhostOf[p].receive(batch, p, PacketBatch.CAPACITY) > 0 || vhostOf[p].pending();
                } else if (readWait(p, now) <= 0) { // a limited guest: a few frames at a time, charged
                    int first = batch.count();
                    guestsBusy |= vhostOf[p].receive(batch, p, 16) > 0 || vhostOf[p].pending();
                    charge(p, now, first);
                } else {
                    guestsWaiting |= vhostOf[p].pending(); // over its limit: looked at again within a millisecond
                }
            }
            if (ready <= 0 && batch.count() == 0) {
                continue;
            }
            UplinkDevice up = uplink;
            // Read only what epoll said is ready: no wasted read returning EAGAIN on idle devices.
            int within = 0;
            for (int k = 0; k < ready && !batch.full(); k++) {
                int fd = Structs.epollFd(events, k);
                Integer port = portOfFd.get(fd);
                if (kickFds.contains(fd)) { // a guest sent while the port was idle: its frames were read above
                    Native.read(fd, kickValue, 8);
                } else if (up != null && up.receives() && fd == up.fd()) {
                    up.receive(batch);
                } else if (port != null) {
                    if (meters.outbound(port) != null || meters.host(port) != null) {
                        withinPorts[within] = port; // read below, in turn with the others
                        withinFds[within++] = fd;
                    } else if (readBuffers != null && byIndex[port].offload()) {
                        receiveRing(byIndex[port], port, t, byIndex, up, now, vhostOf, vhostRead);
                    } else {
                        byIndex[port].receive(batch, port);
                    }
                } else {
                    underlay.receive(batch, fd);
                }
            }
            if (within > 0) {
                receiveWithin(byIndex, within, now);
            }
            if (batch.count() > 0) {
                dispatch(t, byIndex, up, now, vhostOf, vhostRead);
            }
            busyNanos += System.nanoTime() - now;
        }
    }

    /** Processes the batch and sends what it became: to the ports, the underlay and the uplink, with taps' copies and hairpins. */
    private void dispatch(ForwardingTables t, TapDevice[] byIndex, UplinkDevice up, long now, VhostPort[] vhostOf, int[] vhostRead) {
        batches++;
        frames += batch.count();
        pipeline.process(batch, t);
        send(batch, byIndex, up, now);
        sendCopies(t, byIndex, up, now);
        if (hairpin.count() > 0) { // to this host's own public addresses: in again, as from the uplink
            pipeline.process(hairpin, t);
            send(hairpin, byIndex, up, now);
            hairpin.clear();
            sendCopies(t, byIndex, up, now);
        }
        if (up != null) {
            releaseHeld(up, now); // an ARP reply in this batch: what waited for it goes now, not at the next loop
        }
        for (int p : vhostRead) { // the batch has gone: the guests get back the buffers its frames referred to
            vhostOf[p].release();
        }
    }

    /**
     * Reads TAP port {@code port} through the ring, up to a batch's worth of frames; when the batch fills up on the way it
     * is sent and reading goes on into a fresh one.
     */
    private void receiveRing(TapDevice tap, int port, ForwardingTables t, TapDevice[] byIndex, UplinkDevice up, long now,
                             VhostPort[] vhostOf, int[] vhostRead) {
        Runnable sendBatch = () -> {
            dispatch(t, byIndex, up, now, vhostOf, vhostRead);
            batch.clear();
        };
        for (int read = 0; read < PacketBatch.CAPACITY; read += TapDevice.RING_READS) {
            if (tap.receive(batch, port, ring, readBuffers, sendBatch) < TapDevice.RING_READS) {
                return;
            }
        }
    }

    /**
     * Sends what waited in {@link dev.weft.fastpath.uplink.Neighbors} for a next hop on uplink {@code up} that has answered,
     * asks again for those still silent, and has the kernel send what the TX ring holds.
     */
    private void releaseHeld(UplinkDevice up, long now) {
        if (!pipeline.neighbors().anyWaiting()) {
            up.flush();
            return;
        }
        pipeline.neighbors().release(now, new dev.weft.fastpath.uplink.Neighbors.Release() {
            @Override
            public void send(byte[] frame) {
                if (!up.send(MemorySegment.ofArray(frame), frame.length)) {
                    txUplinkFailures++;
                }
            }

            @Override
            public void ask(int sender, int ip) {
                sendArpRequest(up, sender, ip);
            }
        });
        up.flush();
    }

    /** The uplink device {@link #announce} last announced on, the table generation it did, and the addresses it announced. */
    private UplinkDevice announcedOn;
    private long announcedGeneration = -1;
    private java.util.Set<Integer> announced = java.util.Set.of();
    private final MemorySegment arp = Arena.ofAuto().allocate(dev.weft.fastpath.packet.Arp.LENGTH);
    /** Gratuitous ARPs sent for public addresses this host came to own. */
    public long announcements;
    /** RFC 5227's ANNOUNCE_INTERVAL: each new address is announced twice, this far apart (a lost frame, a neighbour's locktime). */
    static final long ANNOUNCE_INTERVAL = 2_000_000_000L;
    private int[] toAnnounceAgain = new int[0];
    private long announcedAt;

    /**
     * On a new uplink device or table generation (the worker that reads the uplink does it): a gratuitous ARP for each public
     * address this host has come to own since it last announced on the device (all of them on a new device), repeated once
     * {@link #ANNOUNCE_INTERVAL} later (RFC 5227's two announcements), so neighbours
     * that knew it at another host (a NIC, a NAT gateway or a public frontend that moved here) send to this host's MAC at
     * once; and an ARP request for the uplink's default gateway while its MAC is unknown, so the first packet out finds it.
     */
    private void announce(ForwardingTables t, UplinkDevice up, long now) {
        java.util.Set<Integer> before = up == announcedOn ? announced : java.util.Set.of();
        int[] fresh = java.util.Arrays.stream(t.ownedAddresses).filter(a -> !before.contains(a)).toArray();
        sendAnnouncements(up, fresh);
        toAnnounceAgain = fresh;
        announcedAt = now;
        int gateway = t.uplinkGateway;
        if (gateway != 0 && pipeline.neighbors().mac(gateway) == 0 && pipeline.neighbors().ask(gateway, now)) {
            // from a public address of this host, or without one from 0.0.0.0 (an ARP probe, RFC 5227), which is answered too
            sendArpRequest(up, t.ownedAddresses.length > 0 ? t.ownedAddresses[0] : 0, gateway);
        }
        up.flush();
        announced = java.util.Arrays.stream(t.ownedAddresses).boxed().collect(java.util.stream.Collectors.toUnmodifiableSet());
        announcedOn = up;
        announcedGeneration = t.generation;
    }

    /** The second announcement of the addresses the last {@link #announce} announced. */
    private void announceAgain(UplinkDevice up) {
        sendAnnouncements(up, toAnnounceAgain);
        toAnnounceAgain = new int[0];
        up.flush();
    }

    /** Queues on {@code up}'s TX ring an ARP request from {@code sender}: who has {@code target}; false when the ring is full. */
    private boolean sendArpRequest(UplinkDevice up, int sender, int target) {
        dev.weft.fastpath.packet.Arp.request(arp, 0, up.mac(), sender, target);
        return up.send(arp, dev.weft.fastpath.packet.Arp.LENGTH);
    }

    /** A gratuitous ARP for each of {@code addresses}; the TX ring is flushed every 64, so many addresses never overrun it. */
    private void sendAnnouncements(UplinkDevice up, int[] addresses) {
        for (int k = 0; k < addresses.length; k++) {
            announcements += sendArpRequest(up, addresses[k], addresses[k]) ? 1 : 0; // a gratuitous ARP: who has mine, tell me
            if (k % 64 == 63) {
                up.flush();
            }
        }
    }

    /** The taps' copies, once what they copy has gone. */
    private void sendCopies(ForwardingTables t, TapDevice[] byIndex, UplinkDevice up, long now) {
        dev.weft.fastpath.mirror.Mirrors mirrors = pipeline.mirrors();
        if (mirrors.batch().count() > 0) {
            pipeline.process(mirrors.batch(), t);
            send(mirrors.batch(), byIndex, up, now);
            mirrors.clear();
        }
    }

    /** Frames for this host's own public addresses ({@link PacketBatch#HAIRPIN}), to go through the graph again as from the uplink. */
    private final PacketBatch hairpin = new PacketBatch();
    /** Frames turned back in, and those that would have turned back twice in one loop or found no room (dropped). */
    public long hairpinned;
    public long hairpinDropped;

    /** Queues frame {@code i} of {@code b} (a plain frame: GSO frames are cut first) for {@link #hairpin}. */
    private void hairpin(PacketBatch b, int i) {
        if (b == hairpin || hairpin.addTurnedBack(b, i) < 0) {
            hairpinDropped++; // in again at most once per loop: a second turn means a loop in what this host owns
            return;
        }
        hairpinned++;
    }

    /** Writes every frame of {@code b} out: to its port's TAP device, the underlay or the uplink. A mirrored copy that can't be written is a lost copy. */
    private void send(PacketBatch b, TapDevice[] byIndex, UplinkDevice up, long now) {
        encapsulated = 0;
        send(b, 0, b.count(), byIndex, up, now);
        if (ring != null) {
            ring.submit();
        }
        if (encapsulated > 0) {
            underlay.send(b, toUnderlay, encapsulated);
        }
        callGuests();
    }

    private void tapWritten(Object owner, int result, boolean whole) {
        if (!whole) {
            if (owner == pipeline.mirrors().batch()) {
                pipeline.mirrors().lost++;
            } else {
                txPortFailures++;
            }
        }
    }

    /** The frames of {@code b} from {@code from} to {@code to}, in order; a GSO frame is cut here when where it goes can't take it whole. */
    private void send(PacketBatch b, int from, int to, TapDevice[] byIndex, UplinkDevice up, long now) {
        boolean copies = b == pipeline.mirrors().batch();
        for (int i = from; i < to; i++) {
            if (b.gsoSize[i] > 0 && b.verdict[i] != PacketBatch.DROP && !takesWhole(b, i, byIndex)) {
                int segments = b.segments(i);
                int first = b.cut(i, b.verdict[i] == PacketBatch.TO_UNDERLAY ? VxlanInput.HEADER : 0); // VXLAN's header is in front
                send(b, first, first + segments, byIndex, up, now);
            } else if (b.verdict[i] == PacketBatch.TO_PORT && b.outPort[i] < queueOf.length && queueOf[b.outPort[i]] != null) {
                toLimitedPort(b, i, byIndex, now);
            } else if (b.verdict[i] == PacketBatch.TO_PORT) { // a run of one flow's segments (or datagrams) goes to the VM as one frame (GsoRun)
                VhostPort guest = b.outPort[i] < vhostPorts.length ? vhostPorts[b.outPort[i]] : null;
                TapDevice out = b.outPort[i] < byIndex.length ? byIndex[b.outPort[i]] : null;
                toPort[0] = i;
                boolean udpRuns = takesUdpRuns(b, b.outPort[i], byIndex);
                int run = guest == null && out == null ? 1 : GsoRun.form(b, i, to, toPort, udpRuns);
                if (guest == null && out != null && run == 1 && ring != null && b.gsoSize[i] == 0) { // one frame to a TAP device
                    b.linearize(i); // a split frame (a datagram cut from a USO frame) made whole: a copy of its tail beats a writev of its own
                    out.queue(b, i, ring, b, tapWritten); // written with the others at the end of the batch
                    continue;
                }
                if (ring != null) {
                    ring.submit(); // what was queued before this frame goes first
                }
                boolean sent = guest != null ? guest.sendRun(b, toPort, 0, run) : out != null && out.sendRun(b, toPort, 0, run, scratch);
                if (!sent) {
                    if (copies) {
                        pipeline.mirrors().lost += run;
                    } else {
                        txPortFailures++;
                    }
                }
                i += run - 1;
            } else if (b.verdict[i] == PacketBatch.TO_UNDERLAY) {
                toUnderlay[encapsulated++] = i;
            } else if (b.verdict[i] == PacketBatch.HAIRPIN) {
                hairpin(b, i);
            } else if (b.verdict[i] == PacketBatch.TO_UPLINK && (up == null || !(b.gsoSize[i] > 0 ? up.sendWhole(b, i) : up.send(b, i)))) {
                txUplinkFailures++;
            }
        }
    }

    /** Whether a run of one UDP flow's datagrams to port {@code port} may go as one frame: its manifest says the VM takes it. */
    private boolean coalescesUdp(int port) {
        return port < udpCoalescing.length && udpCoalescing[port];
    }

    /**
     * Whether UDP frames of {@code b} for {@code port} may go as one frame (a run of one flow's datagrams, or a USO frame
     * whole): its NIC asks for {@code udpReceiveCoalescing}, its TAP device or vhost-user guest takes USO, and {@code b} is
     * not the mirrors' batch (a mirror's collector gets every copy as it was).
     */
    private boolean takesUdpRuns(PacketBatch b, int port, TapDevice[] byIndex) {
        VhostPort guest = port < vhostPorts.length ? vhostPorts[port] : null;
        TapDevice out = port < byIndex.length ? byIndex[port] : null;
        return (guest != null ? guest.takesUdpRuns() : out != null && out.udpRuns()) && b != pipeline.mirrors().batch() && coalescesUdp(port);
    }

    /**
     * Whether GSO frame {@code i} can leave whole: to a VM whose TAP device has offloads or whose vhost-user guest takes TSO,
     * without an inbound limit (a UDP one: to a VM whose NIC asks for {@code udpReceiveCoalescing} and whose device or guest
     * takes USO, never as a mirror's copy), as VXLAN where the kernel takes GSO over the UDP tunnel ({@link TunnelGso}), or out of the
     * uplink ({@link UplinkDevice#sendWhole}). Everything else takes its segments.
     */
    private boolean takesWhole(PacketBatch b, int i, TapDevice[] byIndex) {
        if (b.verdict[i] == PacketBatch.TO_UNDERLAY) {
            return b.encap[i] == ForwardingTables.VXLAN && underlay.sendsWhole(b, i);
        }
        if (b.verdict[i] == PacketBatch.TO_UPLINK) {
            return uplink != null;
        }
        if (b.verdict[i] != PacketBatch.TO_PORT) {
            return false;
        }
        int port = b.outPort[i];
        if (port < queueOf.length && queueOf[port] != null) {
            return false;
        }
        if (b.protocol[i] == Parser.UDP) { // one send's datagrams: whole only where a run of them may go as one frame
            return takesUdpRuns(b, port, byIndex);
        }
        if (port < vhostPorts.length && vhostPorts[port] != null) {
            return vhostPorts[port].takesGso();
        }
        return port < byIndex.length && byIndex[port] != null && byIndex[port].offload();
    }

    /** Calls each vhost-user guest that got frames since its last call. */
    private void callGuests() {
        for (VhostPort guest : vhostPorts) {
            if (guest != null) {
                guest.flush();
            }
        }
    }

    /** The ready ports of this loop that read within a limit or the host's capacity ({@link #receiveWithin}), their descriptors, and the bytes each has sent in the loop. */
    private final int[] withinPorts = new int[64];
    private final int[] withinFds = new int[64];
    private final long[] withinBytes = new long[64];

    /**
     * Reads the first {@code count} of {@link #withinPorts}, VMs with an outbound limit or on a host with an outbound
     * capacity, while each may send, charging what it sent: within its limit, and within its reserved share of the host's
     * capacity or, beyond that share, while the host has capacity left. They take turns, the one that has sent the fewest
     * bytes in this loop next, so VMs that share the host's capacity beyond their reservations share it evenly by bytes:
     * the first one read doesn't take all the room there is, nor the one sending larger frames. Once a VM may not send,
     * its device isn't listened to until its time comes. What the VM sends meanwhile waits in its device's queue, and its
     * TCP feels the backpressure, as from a slower link.
     */
    private void receiveWithin(TapDevice[] byIndex, int count, long now) {
        java.util.Arrays.fill(withinBytes, 0, count, 0);
        while (true) {
            int k = -1;
            for (int j = 0; j < count; j++) {
                if (withinPorts[j] >= 0 && (k < 0 || withinBytes[j] < withinBytes[k])) {
                    k = j;
                }
            }
            if (k < 0) {
                return;
            }
            int port = withinPorts[k];
            long wait = readWait(port, now);
            if (wait > 0) {
                paused.put(withinFds[k], now + wait);
                listen(withinFds[k], false);
                withinPorts[k] = -1;
                continue;
            }
            int first = batch.count();
            if (byIndex[port].receiveOne(batch, port) < 0) { // nothing waiting, or no room left in the batch
                withinPorts[k] = -1;
                continue;
            }
            withinBytes[k] += charge(port, now, first);
        }
    }

    /**
     * Nanoseconds until a VM with an outbound limit, or on a host with an outbound capacity, may send again (0 or less:
     * now): within its limit, and within its reserved share of the host's capacity or, beyond it, while the host has room.
     */
    private long readWait(int port, long now) {
        dev.weft.fastpath.qos.Meter limit = meters.outbound(port);
        dev.weft.fastpath.qos.Meter share = meters.reserved(port);
        dev.weft.fastpath.qos.Meter host = meters.host(port);
        long wait = limit == null ? 0 : limit.waitNanos(now);
        if (wait <= 0 && host != null && (share == null || share.waitNanos(now) > 0)) { // beyond its share: only while the host has room
            wait = host.waitNanos(now);
            if (share != null) {
                wait = Math.min(wait, share.waitNanos(now));
            }
        }
        return wait;
    }

    /** Charges what port {@code port} sent, the batch's frames from {@code first} on, to its meters; returns its bytes. */
    private int charge(int port, long now, int first) {
        int bytes = 0;
        for (int i = first; i < batch.count(); i++) {
            bytes += batch.length[i];
        }
        for (dev.weft.fastpath.qos.Meter m : meters.sending(port)) {
            m.charge(now, bytes);
        }
        return bytes;
    }

    /** Writes a frame to local port {@code port}'s TAP device or vhost-user guest; false when it can't take it. */
    private boolean write(TapDevice[] byIndex, int port, java.lang.foreign.MemorySegment memory, long start, int length) {
        if (port < byIndex.length && byIndex[port] != null) {
            return byIndex[port].send(memory, start, length);
        }
        return port < vhostPorts.length && vhostPorts[port] != null && vhostPorts[port].send(memory, start, length);
    }

    /** A frame for a VM with an inbound limit: sent now if the VM is within it and nothing waits before it, else queued (or dropped when the queue is full). */
    private void toLimitedPort(PacketBatch batch, int i, TapDevice[] byIndex, long now) {
        batch.linearize(i); // written or queued from its slot
        dev.weft.fastpath.qos.Meter limit = meters.inbound(batch.outPort[i]);
        dev.weft.fastpath.qos.ShapingQueue queue = queueOf[batch.outPort[i]];
        if (queue.isEmpty() && limit.tryTake(now, batch.length[i])) {
            if (!write(byIndex, batch.outPort[i], batch.memory(), batch.start[i], batch.length[i])) {
                txPortFailures++;
            }
        } else if (queue.offer(batch.memory(), batch.start[i], batch.length[i], limit.queueBytes())) {
            queued++;
        } else {
            limit.dropped(batch.length[i]);
        }
    }

    /** Listens again to the devices whose time has come, and sends the queued frames whose time has come. */
    private void shape(long now, TapDevice[] byIndex) {
        if (!paused.isEmpty()) {
            var it = paused.entrySet().iterator();
            while (it.hasNext()) {
                var e = it.next();
                if (e.getValue() <= now) {
                    listen(e.getKey(), true);
                    it.remove();
                }
            }
        }
        for (int p = 0; p < queueOf.length && queued > 0; p++) {
            dev.weft.fastpath.qos.ShapingQueue queue = queueOf[p];
            if (queue == null) {
                continue;
            }
            dev.weft.fastpath.qos.Meter limit = meters.inbound(p);
            while (!queue.isEmpty() && limit.tryTake(now, queue.headLength())) {
                if (!write(byIndex, p, queue.headSlot(), dev.weft.fastpath.qos.ShapingQueue.HEADROOM, queue.headLength())) {
                    txPortFailures++;
                }
                queue.remove();
                queued--;
            }
        }
        callGuests(); // guests whose queued frames went out are told
    }

    /** A queue per port with an inbound limit, by port index; the queues of ports without one any more are closed with what they held. */
    private dev.weft.fastpath.qos.ShapingQueue[] queues(ForwardingTables t) {
        dev.weft.fastpath.qos.ShapingQueue[] byIndex = new dev.weft.fastpath.qos.ShapingQueue[t.portCount()];
        java.util.Set<String> limited = new java.util.HashSet<>();
        for (int p = 0; p < byIndex.length; p++) {
            if (meters.inbound(p) != null) {
                limited.add(t.ports[p].name());
                byIndex[p] = queues.computeIfAbsent(t.ports[p].name(), k -> new dev.weft.fastpath.qos.ShapingQueue());
            }
        }
        queues.entrySet().removeIf(e -> {
            if (limited.contains(e.getKey())) {
                return false;
            }
            queued -= e.getValue().size();
            e.getValue().close();
            return true;
        });
        return byIndex;
    }

    /** Why this worker reads and writes TAP frames one at a time, without an io_uring; null when it uses one. */
    public String ringUnavailable() {
        return ringUnavailable;
    }

    /** What the TAP devices' io_uring has done ({@link IoRing.Counts#NONE} without one). */
    public IoRing.Counts ringCounts() {
        return ring == null ? IoRing.Counts.NONE : ring.counts();
    }

    /** The worker's underlay sockets, and its tunnel device for whole GSO frames. */
    public Underlay underlay() {
        return underlay;
    }

    /** Underlay datagrams too large for a batch slot, dropped on receive. */
    public long oversized() {
        return underlay.oversized;
    }

    public long loops() {
        return loops;
    }

    /**
     * What a worker has done since it started, in the manner of OVS's {@code pmd-stats-show} and VPP's {@code show runtime}:
     * its looks at its devices, {@code sleeps} that could sleep in {@code epoll_wait} and {@code polls} that could not
     * (busy polling, or vhost-user guests sending), {@code yields} the busy-polling looks that found nothing and gave the
     * core away; the {@code batches} of frames it handled and the {@code frames} in them; {@code busyNanos}, the time from
     * finding frames to having sent them; {@code faults}, reads of a vhost-user guest's memory that faulted (see {@link #run}).
     */
    public record Activity(long sleeps, long polls, long yields, long batches, long frames, long busyNanos, long faults) {
    }

    public Activity activity() {
        long slept = sleeps; // read before the loops it is part of: polls never come out below 0
        return new Activity(slept, loops - slept, yields, batches, frames, busyNanos, faults);
    }

    @Override
    public void close() {
        running = false;
    }

    /** Frees what the worker holds; call after its thread ended. */
    public void release() {
        queues.values().forEach(dev.weft.fastpath.qos.ShapingQueue::close);
        queues.clear();
        kicks.values().forEach(this::unwatchKick);
        kicks.clear();
        ports.clear();
        underlay.close();
        Native.close(epoll);
        batch.close();
        hairpin.close();
        scratch.close();
        if (ring != null) {
            ring.close();
            readBuffers.close();
        }
        arena.close();
    }
}
