package dev.weft.agent.dataplane;

import dev.weft.fastpath.io.NetNamespace;
import dev.weft.fastpath.io.TapDevice;
import dev.weft.fastpath.io.TapNames;
import dev.weft.fastpath.io.Underlay;
import dev.weft.fastpath.io.UplinkDevice;
import dev.weft.fastpath.uplink.NatSessions;
import dev.weft.fastpath.uplink.Neighbors;
import dev.weft.fastpath.io.Worker;
import dev.weft.fastpath.pipeline.Counters;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * The agent's packets: one TAP device per local Port (named {@link TapNames#of}), the underlay sockets,
 * and worker threads running the pipeline, all in the host's network namespace. After every table
 * publish it swaps in new forwarding tables (one volatile write; workers pick them up between batches)
 * and opens or closes TAP devices for ports that appeared or went away. The Vert.x event loop never
 * touches a packet.
 */
public final class PacketIo implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(PacketIo.class);

    private final PacketConfig config;
    private final ExecutorService control; // a platform thread inside the namespace: TAP devices are made there
    private final List<Worker> workers = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    /** Each port's TAP device: one queue, or with several workers a queue per worker (IFF_MULTI_QUEUE). */
    private final Map<String, List<TapDevice>> taps = new java.util.concurrent.ConcurrentHashMap<>();
    /** With {@code PacketConfig.vhostUser}: the ports' vhost-user sockets instead of TAP devices. */
    private final Map<String, dev.weft.fastpath.io.VhostPort> vhosts = new java.util.concurrent.ConcurrentHashMap<>();
    private final NatSessions sessions = new NatSessions(1 << 18);
    private final Neighbors neighbors = new Neighbors();
    private final dev.weft.fastpath.lb.LbSessions balanced = new dev.weft.fastpath.lb.LbSessions(1 << 18);
    private final dev.weft.fastpath.lb.ProbeTable probes = new dev.weft.fastpath.lb.ProbeTable();
    private final dev.weft.fastpath.qos.Meters meters = new dev.weft.fastpath.qos.Meters();
    private final Prober prober;
    private final java.util.concurrent.ScheduledExecutorService probing = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().name("weft-prober").daemon(true).unstarted(r));
    /** The uplink's device of each worker (the first receives), or none. */
    private volatile List<UplinkDevice> uplinks = List.of();
    private volatile ForwardingTables tables;

    private final AuditLog audit;

    /** @param stateDir the agent's state directory: the audit log goes to its {@code audit/} folder */
    public PacketIo(PacketConfig config, java.nio.file.Path stateDir) throws Exception {
        this.config = config;
        this.audit = new AuditLog(stateDir.resolve("audit"));
        this.control = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().name("weft-packets-control").daemon(true).unstarted(r));
        onControl(() -> {
            enterNamespace();
            return null;
        });
        for (int w = 0; w < Math.max(1, config.workers()); w++) {
            boolean receivesGre = w == 0;
            CompletableFuture<Worker> ready = new CompletableFuture<>();
            Thread thread = Thread.ofPlatform().name("weft-worker-" + w).daemon(true).start(() -> {
                try {
                    enterNamespace();
                    Worker worker = new Worker(() -> tables, new Underlay(config.underlay().value(), receivesGre), sessions, neighbors, balanced, probes, meters);
                    worker.audit(audit);
                    worker.busyPoll(config.busyPollMicros());
                    ready.complete(worker);
                    worker.run();
                } catch (Throwable e) {
                    if (!ready.completeExceptionally(e)) { // it had started: a worker that stops is a data plane that stops
                        log.error("packet worker {} stopped", Thread.currentThread().getName(), e);
                    }
                }
            });
            workers.add(ready.get());
            threads.add(thread);
        }
        logTunnel();
        prober = new Prober(() -> tables, key -> tap(key).stream().findFirst().orElse(null), probes);
        probing.scheduleWithFixedDelay(() -> {
            try {
                prober.tick(System.nanoTime());
            } catch (RuntimeException e) {
                log.warn("health probes: {}", e.toString());
            }
        }, 500, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /** Says once, at start, how GSO frames leave as VXLAN: whole through the workers' tunnel devices, or cut, and why. */
    private void logTunnel() {
        if (!tunnelDevices().isEmpty()) {
            log.info("VXLAN: GSO frames leave whole (GSO over the UDP tunnel) through {}", String.join(", ", tunnelDevices()));
        } else {
            log.info("VXLAN: GSO frames are cut into segments before they leave: no tunnel device ({})", workers.getFirst().underlay().tunnelUnavailable());
        }
        String ring = workers.getFirst().ringUnavailable();
        if (ring == null) {
            log.info("TAP ports: frames are read eight to an io_uring_enter and a batch's frames for the VMs written with one");
        } else {
            log.info("TAP ports: each frame is read and written on its own: no io_uring ({})", ring);
        }
    }

    /** The workers' tunnel devices GSO frames leave whole through; empty when they are cut before they leave (every worker alike). */
    private List<String> tunnelDevices() {
        return workers.getFirst().underlay().tunnelDevice() == null ? List.of() : workers.stream().map(w -> w.underlay().tunnelDevice()).toList();
    }

    /** What this host's devices take whole, for a trace's last step: its tunnel device, and each port's TAP or vhost-user device. */
    public dev.weft.fastpath.trace.PacketTracer.Devices devices() {
        return new dev.weft.fastpath.trace.PacketTracer.Devices() {
            @Override
            public String tunnel() {
                return tunnelDevices().isEmpty() ? "" : tunnelDevices().getFirst();
            }

            @Override
            public Boolean takesGso(String port) {
                dev.weft.fastpath.io.VhostPort guest = vhosts.get(port);
                List<TapDevice> tap = taps.get(port);
                return guest != null ? Boolean.valueOf(guest.takesGso()) : tap != null && !tap.isEmpty() ? Boolean.valueOf(tap.getFirst().offload()) : null;
            }
        };
    }

    /** Load balancers' backends on this host as its probes judge them: {@code rule|backend} → healthy. */
    public Map<String, Boolean> health() {
        return prober.health();
    }

    private void enterNamespace() throws IOException {
        if (config.namespace().isPresent()) {
            NetNamespace.enter(config.namespace().get());
        }
    }

    private <T> T onControl(java.util.concurrent.Callable<T> task) throws Exception {
        try {
            return control.submit(task).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /** The queues of port {@code key}'s TAP device (one, or one per worker), or an empty list. */
    public List<TapDevice> tap(String key) {
        return taps.getOrDefault(key, List.of());
    }

    public int underlayMtu() {
        return config.underlayMtu();
    }

    /** This host's provider address. */
    public dev.weft.net.Ipv4 underlay() {
        return config.underlay();
    }

    /**
     * Takes a newly published snapshot, all or nothing: opens the devices of new ports (TAP devices, or vhost-user sockets
     * with {@code PacketConfig.vhostUser}; if one can't be opened, those just opened are closed and nothing changes), swaps
     * in the tables, and closes the devices of removed ports once every worker has begun a new loop, so none is still
     * writing to them.
     */
    public synchronized void publish(TableSnapshot snapshot) {
        Set<String> keys = snapshot.ports().stream().map(PortEntry::name).collect(Collectors.toSet());
        if (config.vhostUser().isPresent()) {
            java.nio.file.Path dir = config.vhostUser().get();
            java.util.function.Function<String, java.nio.file.Path> socket = key -> PacketConfig.vhostSocket(dir, key);
            publish(snapshot, keys, vhosts, key -> "vhost-user socket " + socket.apply(key), key -> {
                java.nio.file.Files.createDirectories(dir);
                return new dev.weft.fastpath.io.VhostPort(socket.apply(key), this::awaitWorkers);
            }, (worker, key, port, reads) -> worker.attach(key, port, reads), dev.weft.fastpath.io.VhostPort::close);
        } else {
            publish(snapshot, keys, taps, key -> "TAP device " + TapNames.of(key), key -> onControl(() -> TapDevice.openQueues(TapNames.of(key), workers.size())),
                    (worker, key, queues, reads) -> { // a queue per worker, each read by its worker; one queue: read by one worker
                        int w = workers.indexOf(worker);
                        worker.attach(key, queues.size() > 1 ? queues.get(w) : queues.getFirst(), queues.size() > 1 || reads);
                    }, queues -> queues.forEach(TapDevice::close));
        }
    }

    /** Opens a port's device. */
    private interface Opener<D> {
        D open(String key) throws Exception;
    }

    /** Hands a port's device to a worker, which reads it when {@code reads}. */
    private interface Attach<D> {
        void attach(Worker worker, String key, D device, boolean reads);
    }

    /** {@link #publish(TableSnapshot)} with the ports' devices in {@code devices}, of one kind. */
    private <D> void publish(TableSnapshot snapshot, Set<String> keys, Map<String, D> devices, java.util.function.Function<String, String> describe,
                             Opener<D> opener, Attach<D> attach, java.util.function.Consumer<D> close) {
        Map<String, D> opened = new java.util.LinkedHashMap<>();
        for (String key : keys) {
            if (!devices.containsKey(key)) {
                try {
                    opened.put(key, opener.open(key));
                } catch (Exception e) {
                    opened.values().forEach(close);
                    throw new IllegalStateException("cannot open " + describe.apply(key) + " of port " + key + ": " + e.getMessage(), e);
                }
            }
        }
        opened.forEach((key, device) -> {
            devices.put(key, device);
            for (int w = 0; w < workers.size(); w++) {
                attach.attach(workers.get(w), key, device, Math.floorMod(key.hashCode(), workers.size()) == w);
            }
        });
        List<UplinkDevice> oldUplinks = swapUplink(snapshot.egress().uplink());
        tables = new ForwardingTables(snapshot, config.underlay().value());
        if (!oldUplinks.isEmpty()) {
            awaitWorkers();
            oldUplinks.forEach(UplinkDevice::close);
        }
        List<D> removed = new ArrayList<>();
        for (String key : List.copyOf(devices.keySet())) {
            if (!keys.contains(key)) {
                workers.forEach(w -> w.detach(key));
                removed.add(devices.remove(key));
            }
        }
        if (!removed.isEmpty()) {
            awaitWorkers();
            removed.forEach(close);
        }
    }

    /**
     * Opens the uplink device {@code wanted} names when it isn't open yet, a socket per worker (the first also
     * receives), and hands them to the workers; returns the ones it replaced, for the caller to close once no
     * worker uses them. An uplink that can't be opened leaves the host without one (logged): the rest of its data
     * plane works on.
     */
    private List<UplinkDevice> swapUplink(dev.weft.fastpath.table.Egress.Uplink wanted) {
        String name = wanted == null ? null : wanted.device();
        if (!uplinks.isEmpty() && uplinks.getFirst().name().equals(name)) {
            return List.of();
        }
        List<UplinkDevice> old = uplinks;
        List<UplinkDevice> opened = new ArrayList<>();
        if (name != null) {
            try {
                for (int w = 0; w < workers.size(); w++) {
                    boolean receives = w == 0;
                    opened.add(onControl(() -> UplinkDevice.open(name, receives)));
                }
            } catch (Exception e) {
                opened.forEach(UplinkDevice::close);
                opened.clear();
                log.error("cannot open uplink {}: {}", name, e.getMessage());
            }
        }
        uplinks = opened;
        neighbors.clear();
        neighbors.ownMac(opened.isEmpty() ? 0 : opened.getFirst().mac());
        for (int w = 0; w < workers.size(); w++) {
            workers.get(w).uplink(opened.isEmpty() ? null : opened.get(w), w == 0);
        }
        return old;
    }

    /** The NAT gateways' translations on this host. */
    public NatSessions natSessions() {
        return sessions;
    }

    /** The uplink's neighbours as the workers learned them. */
    public Neighbors neighbors() {
        return neighbors;
    }


    /** Waits until every live worker has begun a loop since now (a loop waits at most 100 ms in epoll). */
    /** The vhost-user port of {@code key}, when ports are vhost-user sockets. */
    public java.util.Optional<dev.weft.fastpath.io.VhostPort> vhost(String key) {
        return java.util.Optional.ofNullable(vhosts.get(key));
    }

    /** The keys of the vhost-user ports open now. */
    public java.util.Set<String> vhostKeys() {
        return java.util.Set.copyOf(vhosts.keySet());
    }

    private void awaitWorkers() {
        long[] seen = workers.stream().mapToLong(Worker::loops).toArray();
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(2);
        for (int w = 0; w < workers.size(); w++) {
            while (workers.get(w).loops() == seen[w] && threads.get(w).isAlive() && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
        }
    }

    /** Stops worker {@code w} as a crash would, without the agent closing: how tests check that a dead worker is noticed. */
    void stopWorker(int w) throws InterruptedException {
        workers.get(w).close();
        threads.get(w).join(2000);
    }

    /** Why the data plane can't move packets, or empty while every worker runs. */
    public java.util.Optional<String> failure() {
        for (Thread thread : threads) {
            if (!thread.isAlive() && !closing) {
                return java.util.Optional.of("packet worker " + thread.getName() + " stopped");
            }
        }
        return java.util.Optional.empty();
    }

    /** Counters summed over workers, for /v1/stats: the summary, drops by reason, and every node's packets and drops. */
    public JsonObject stats() {
        JsonObject drops = new JsonObject();
        Map<DropReason, Long> byReason = new java.util.EnumMap<>(DropReason.class);
        workers.forEach(w -> w.counters().dropsByReason().forEach((r, n) -> byReason.merge(r, n, Long::sum)));
        byReason.forEach((r, n) -> drops.put(r.name(), n));
        JsonObject nodes = new JsonObject();
        nodeCounts().forEach((node, count) -> {
            JsonObject nodeDrops = new JsonObject();
            count.drops().forEach((r, n) -> nodeDrops.put(r.name(), n));
            nodes.put(node, new JsonObject().put("packets", count.packets()).put("drops", nodeDrops));
        });
        return new JsonObject().put("received", sum(Counters::received)).put("switched", sum(Counters::switched))
                .put("routed", sum(Counters::routed)).put("encapsulated", sum(Counters::encapsulated))
                .put("decapsulated", sum(Counters::decapsulated)).put("arpReplies", sum(Counters::arpReplies))
                .put("flowHits", sum(Counters::flowHits)).put("flowMisses", sum(Counters::flowMisses)).put("drops", drops)
                .put("nodes", nodes)
                .put("underlay", underlayStats())
                .put("ports", new JsonObject(taps.keySet().stream().collect(Collectors.toMap(k -> k, TapNames::of))))
                .put("audit", new JsonObject().put("written", audit.written.get()).put("dropped", audit.dropped.get())
                        .put("suppressed", audit.suppressed.get()).put("deleted", audit.deleted.get()))
                .put("conntrack", new JsonObject()
                        .put("entries", workers.stream().mapToLong(w -> w.conntrack().entries).sum())
                        .put("expired", workers.stream().mapToLong(w -> w.conntrack().expired).sum())
                        .put("evicted", workers.stream().mapToLong(w -> w.conntrack().evictions).sum()))
                .put("securityRules", ruleHits())
                .put("uplink", uplinkStats())
                .put("qos", qosStats())
                .put("vhostUser", new JsonObject().put("framesIn", vhosts.values().stream().mapToLong(v -> v.framesIn).sum())
                        .put("framesOut", vhosts.values().stream().mapToLong(v -> v.framesOut).sum())
                        .put("malformed", vhosts.values().stream().mapToLong(v -> v.malformed).sum())
                        .put("tooLong", vhosts.values().stream().mapToLong(v -> v.tooLong).sum())
                        .put("noBuffer", vhosts.values().stream().mapToLong(v -> v.noBuffer).sum())
                        .put("coalesced", vhosts.values().stream().mapToLong(v -> v.coalesced).sum())
                        .put("coalescedFrames", vhosts.values().stream().mapToLong(v -> v.coalescedFrames).sum())
                        .put("connections", vhosts.values().stream().mapToLong(v -> v.connections).sum())
                        .put("faults", vhosts.values().stream().mapToLong(v -> v.faults).sum())
                        .put("ports", vhostPorts()))
                .put("mirror", new JsonObject().put("copied", mirrorsCopied()).put("lost", mirrorsLost()))
                .put("workers", workerStats())
                .put("tap", new JsonObject().put("framesRead", taps.values().stream().flatMap(List::stream).mapToLong(t -> t.framesRead).sum())
                        .put("segments", taps.values().stream().flatMap(List::stream).mapToLong(t -> t.segments).sum())
                        .put("malformed", taps.values().stream().flatMap(List::stream).mapToLong(t -> t.malformed).sum())
                        .put("tooLong", taps.values().stream().flatMap(List::stream).mapToLong(t -> t.tooLong).sum())
                        .put("coalesced", taps.values().stream().flatMap(List::stream).mapToLong(t -> t.coalesced).sum())
                        .put("coalescedFrames", taps.values().stream().flatMap(List::stream).mapToLong(t -> t.coalescedFrames).sum())
                        .put("ioUring", ioUringStats()));
    }

    /** Per vhost-user port: whether a guest is connected and ready, the features it negotiated, and its frames. */
    private JsonObject vhostPorts() {
        JsonObject ports = new JsonObject();
        new java.util.TreeMap<>(vhosts).forEach((key, v) -> ports.put(key, new JsonObject().put("ready", v.ready())
                .put("features", new io.vertx.core.json.JsonArray(dev.weft.fastpath.vhost.VhostUser.featureNames(v.features())))
                .put("framesIn", v.framesIn).put("framesOut", v.framesOut).put("noBuffer", v.noBuffer).put("connections", v.connections)));
        return ports;
    }

    /** Each worker's {@link Worker.Activity}, in worker order. */
    public List<Worker.Activity> activity() {
        return workers.stream().map(Worker::activity).toList();
    }

    /** Each worker's activity, with the frames it handled per batch and its busy time in seconds. */
    private io.vertx.core.json.JsonArray workerStats() {
        io.vertx.core.json.JsonArray json = new io.vertx.core.json.JsonArray();
        for (Worker.Activity a : activity()) {
            json.add(new JsonObject().put("sleeps", a.sleeps()).put("polls", a.polls())
                    .put("yields", a.yields()).put("batches", a.batches()).put("frames", a.frames())
                    .put("framesPerBatch", a.batches() == 0 ? 0.0 : (double) a.frames() / a.batches())
                    .put("busySeconds", a.busyNanos() / 1e9).put("faults", a.faults()));
        }
        return json;
    }

    /** The workers' TAP io_uring: why there is none ({@code off}), or its system calls and the reads and writes done through them. */
    private JsonObject ioUringStats() {
        dev.weft.fastpath.io.IoRing.Counts c = workers.stream().map(Worker::ringCounts)
                .reduce(dev.weft.fastpath.io.IoRing.Counts.NONE, dev.weft.fastpath.io.IoRing.Counts::plus);
        return new JsonObject().put("off", workers.getFirst().ringUnavailable()).put("enters", c.enters())
                .put("operations", c.operations()).put("enterFailures", c.enterFailures());
    }

    /**
     * The underlay: datagrams too large to take, and the tunnel devices GSO frames leave whole through (with what they sent
     * whole and what the kernel refused), or why there are none ({@code tunnelOff}).
     */
    private JsonObject underlayStats() {
        JsonObject json = new JsonObject().put("oversized", workers.stream().mapToLong(Worker::oversized).sum());
        if (!tunnelDevices().isEmpty()) {
            json.put("tunnelDevices", new io.vertx.core.json.JsonArray(tunnelDevices()));
        } else {
            json.put("tunnelOff", workers.getFirst().underlay().tunnelUnavailable());
        }
        return json.put("tunnelSent", tunnelSent()).put("tunnelRefused", tunnelRefused()).put("wholeReceived", wholeReceived())
                .put("noRoom", noRoom());
    }

    /** Datagrams of coalesced receives the workers' batches had no room left for (dropped). */
    public long noRoom() {
        return workers.stream().mapToLong(w -> w.underlay().noRoom).sum();
    }

    /** VXLAN datagrams the workers received carrying a whole GSO frame (another host's tunnel device sent it whole). */
    public long wholeReceived() {
        return workers.stream().mapToLong(w -> w.underlay().wholeReceived).sum();
    }

    /** GSO frames the workers sent whole through their tunnel devices. */
    public long tunnelSent() {
        return workers.stream().mapToLong(w -> w.underlay().tunnelSent()).sum();
    }

    /** GSO frames the kernel refused to take whole through the tunnel devices (dropped). */
    public long tunnelRefused() {
        return workers.stream().mapToLong(w -> w.underlay().tunnelRefused()).sum();
    }

    /** Per port with a rate limit: what each direction's limit dropped. */
    private JsonObject qosStats() {
        JsonObject json = new JsonObject();
        meters.dropped().forEach((port, directions) -> {
            JsonObject p = new JsonObject();
            directions.forEach((direction, counts) -> p.put(direction.name().toLowerCase(java.util.Locale.ROOT),
                    new JsonObject().put("droppedBytes", counts[0]).put("droppedPackets", counts[1])));
            json.put(port, p);
        });
        return json;
    }

    /** Copies the host's taps made. */
    public long mirrorsCopied() {
        return workers.stream().mapToLong(w -> w.mirrors().copied).sum();
    }

    /** Copies the host's taps lost: no room in a worker's batch of copies, or a collector's device that couldn't take one. */
    public long mirrorsLost() {
        return workers.stream().mapToLong(w -> w.mirrors().lost).sum();
    }

    /** The host's rate limits and what they dropped. */
    public dev.weft.fastpath.qos.Meters meters() {
        return meters;
    }

    private JsonObject uplinkStats() {
        List<UplinkDevice> ups = uplinks;
        JsonObject json = new JsonObject().put("device", ups.isEmpty() ? null : ups.getFirst().name())
                .put("framesRead", ups.stream().mapToLong(u -> u.framesRead).sum())
                .put("framesSent", ups.stream().mapToLong(u -> u.framesSent).sum())
                .put("malformed", ups.stream().mapToLong(u -> u.malformed).sum())
                .put("foreign", ups.stream().mapToLong(u -> u.foreign).sum())
                .put("sendFailures", ups.stream().mapToLong(u -> u.sendFailures).sum()).put("neighbors", neighbors.size())
                .put("announcements", workers.stream().mapToLong(w -> w.announcements).sum())
                .put("hairpinned", workers.stream().mapToLong(w -> w.hairpinned).sum())
                .put("hairpinDropped", workers.stream().mapToLong(w -> w.hairpinDropped).sum());
        long[] held = neighbors.heldCounts();
        json.put("held", held[0]).put("heldSent", held[1]).put("heldExpired", held[2]);
        return json.put("nat", new JsonObject().put("sessions", sessions.active()).put("allocated", sessions.allocated)
                .put("portExhausted", sessions.exhausted));
    }

    private long sum(java.util.function.ToLongFunction<Counters> counter) {
        return workers.stream().mapToLong(w -> counter.applyAsLong(w.counters())).sum();
    }

    /** The packets fastpath node {@code node} processed, summed over workers. */
    public long nodePackets(String node) {
        return sum(c -> c.packets(node));
    }

    /** The packets fastpath node {@code node} dropped for {@code reason}, summed over workers. */
    public long nodeDrops(String node, DropReason reason) {
        return sum(c -> c.drops(node, reason));
    }

    /** Every node's packets and drops by reason, summed over workers, in graph order. */
    public Map<String, Counters.NodeCount> nodeCounts() {
        Map<String, Counters.NodeCount> total = new java.util.LinkedHashMap<>();
        for (Worker worker : workers) {
            worker.counters().byNode().forEach((node, count) -> total.merge(node, count, (x, y) -> {
                Map<DropReason, Long> drops = new java.util.EnumMap<>(DropReason.class);
                drops.putAll(x.drops());
                y.drops().forEach((r, n) -> drops.merge(r, n, Long::sum));
                return new Counters.NodeCount(x.packets() + y.packets(), drops);
            }));
        }
        return total;
    }

    /** Flows each security rule decided since the tables last changed, summed over the ports a group filters: {group: {rule: n}}. */
    private JsonObject ruleHits() {
        JsonObject groups = new JsonObject();
        ForwardingTables t = tables;
        if (t == null) {
            return groups;
        }
        for (PortEntry port : t.ports) {
            if (port.security() == null) {
                continue;
            }
            for (var layers : List.of(port.security().inbound(), port.security().outbound())) {
                for (var layer : layers) {
                    JsonObject group = groups.getJsonObject(layer.group);
                    if (group == null) {
                        group = new JsonObject();
                        groups.put(layer.group, group);
                    }
                    for (int r = 0; r < layer.rules().size(); r++) {
                        String name = layer.rules().get(r).name();
                        group.put(name, group.getLong(name, 0L) + layer.hits.get(r));
                    }
                }
            }
        }
        return groups;
    }

    private volatile boolean closing;

    @Override
    public synchronized void close() {
        closing = true;
        workers.forEach(Worker::close);
        for (Thread thread : threads) {
            try {
                thread.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.forEach(Worker::release);
        taps.values().forEach(queues -> queues.forEach(TapDevice::close));
        vhosts.values().forEach(dev.weft.fastpath.io.VhostPort::close);
        taps.clear();
        uplinks.forEach(UplinkDevice::close);
        control.shutdownNow();
        probing.shutdownNow();
        audit.close();
    }
}
