package dev.weft.reconcile;

import dev.weft.compile.Compiled;
import dev.weft.compile.Compiler;
import dev.weft.model.ModelDiff;
import dev.weft.source.GitSource;
import dev.weft.source.SourceException;
import dev.weft.validate.ValidationResult;
import dev.weft.validate.Validator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The continuous loop that keeps every host programmed with the branch's latest valid revision. Every
 * loop: fetch (cheap when nothing changed); when the branch moved, validate and compile the new revision
 * incrementally (an invalid one is reported and skipped, and the last good one stays programmed); then
 * one digest request per agent, and a state fetch and a batch only where the digest differs, which also
 * heals drift: a restarted or hand-edited agent is back in sync within one loop.
 */
public final class Reconciler implements AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(Reconciler.class);

    private final GitSource source;
    private final String branch;
    private final Fleet fleet;
    private final long epoch;
    private final Duration interval;
    private final Validator validator = new Validator();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Consumer<ReconcilerStatus> onLoop;
    private boolean triggered;
    private volatile boolean running;
    private Thread thread;

    private Compiled compiled;
    private String revision = "";
    private String invalidRevision = "";
    private List<String> errors = List.of();
    private final Map<String, HostStatus> hosts = new HashMap<>();
    private volatile ReconcilerStatus status;
    private final DigestWatches watches;

    /** @param onLoop called after every loop with the new status (e.g. to print it) */
    public Reconciler(GitSource source, String branch, Fleet fleet, long epoch, Duration interval, Consumer<ReconcilerStatus> onLoop) {
        this.source = source;
        this.branch = branch;
        this.fleet = fleet;
        this.epoch = epoch;
        this.interval = interval;
        this.onLoop = onLoop;
        this.status = new ReconcilerStatus(branch, epoch, "", "", List.of(), null, List.of());
        this.watches = new DigestWatches(fleet.access(), this::trigger);
    }

    private final ReconcilerMetrics metrics = new ReconcilerMetrics();

    /** The metrics served at /metrics. */
    public ReconcilerMetrics metrics() {
        return metrics;
    }

    public ReconcilerStatus status() {
        return status;
    }

    public long epoch() {
        return epoch;
    }

    /** The compiled desired state of the revision being programmed, or null before the first valid one. */
    public synchronized Compiled compiled() {
        return compiled;
    }

    /** Runs one loop now, on the calling thread, and returns the status it ends with. */
    public synchronized ReconcilerStatus reconcileOnce() {
        long started = System.nanoTime();
        try {
            source.refresh();
            ObjectId head = source.resolve(branch);
            org.slf4j.MDC.put("revision", head.name()); // every event of this loop is about the branch's head
            if (!head.name().equals(revision) && !head.name().equals(invalidRevision)) {
                ValidationResult result = validator.validate(source.read(head.name()));
                if (result.valid()) {
                    ModelDiff diff = compiled == null ? null : ModelDiff.between(compiled.model(), result.model().orElseThrow());
                    compiled = compiled == null ? Compiler.compile(result.model().orElseThrow())
                            : Compiler.update(compiled, result.model().orElseThrow(), diff);
                    log.info("revision {} is valid: programming it", head.name().substring(0, 12));
                    revision = head.name();
                    invalidRevision = "";
                    errors = List.of();
                    validator.retainOnly(result.snapshot());
                } else {
                    invalidRevision = head.name();
                    errors = result.problems().stream().map(dev.weft.manifest.Problem::format).toList();
                    log.warn("revision {} is invalid ({} problems), {} stays programmed: {}", head.name().substring(0, 12), errors.size(),
                            revision.isEmpty() ? "nothing" : revision.substring(0, 12), errors.getFirst());
                }
            }
        } catch (SourceException e) {
            errors = List.of(e.getMessage());
            log.warn("cannot read {}: {}", branch, e.getMessage());
        }
        Compiled programmed = null;
        for (int pass = 0; pass < 2 && compiled != null; pass++) { // a second pass programs what live state changed at once
            programmed = compiled;
            watches.watch(compiled.model().hosts().values());
            org.slf4j.MDC.put("revision", revision);
            for (HostStatus result : fleet.sync(compiled, epoch, revision, watches::digest)) {
                HostStatus previous = hosts.get(result.host());
                if (previous == null || previous.state() != result.state()) {
                    try (var host = org.slf4j.MDC.putCloseable("host", result.host())) {
                        if (result.state() == SyncState.Synced) {
                            log.info("{} is Synced at {} ({} operations)", result.host(), revision.substring(0, 12), result.ops());
                        } else {
                            log.warn("{} is {}: {}", result.host(), result.state(), result.lastError());
                        }
                    }
                }
                if (result.state() != SyncState.Synced && previous != null) {
                    result = new HostStatus(result.host(), result.endpoint(), result.state(), previous.revision(), result.ops(),
                            result.lastError(), previous.lastSync(), result.version());
                }
                result = result.orVersion(watches.version(result.host()).orElse(previous == null ? "" : previous.version()));
                hosts.put(result.host(), result);
            }
            hosts.keySet().retainAll(compiled.hostNames());
            Compiled moved = Compiler.reassign(compiled, host -> hosts.containsKey(host) && hosts.get(host).state() != SyncState.Unreachable);
            if (moved != compiled) { // a Gateway host is down: its NAT gateways go to a healthy one, programmed in the second pass
                log.warn("NAT gateways move to healthy Gateway hosts: {}", moved.natHosts());
                compiled = moved;
            }
            Compiled probed = Compiler.withHealth(compiled, health(compiled));
            if (probed != compiled) { // a backend's health changed: every client's host gets the new pool in the second pass
                log.info("load balancers' backend health: {}", probed.live().health());
                compiled = probed;
            }
            if (compiled == programmed) {
                break;
            }
        }
        if (compiled != programmed) {
            trigger(); // live state changed again in the second pass: the next loop, now
        }
        List<HostStatus> sorted = new ArrayList<>(hosts.values());
        sorted.sort((a, b) -> a.host().compareTo(b.host()));
        java.util.SortedMap<String, String> natGateways = new java.util.TreeMap<>();
        java.util.SortedMap<String, Boolean> backends = new java.util.TreeMap<>();
        java.util.SortedMap<String, String> peerings = new java.util.TreeMap<>();
        java.util.SortedMap<String, String> muxes = new java.util.TreeMap<>();
        if (compiled != null) {
            compiled.natHosts().forEach((id, host) -> {
                if (id.kind() == dev.weft.model.Kind.NatGateway) {
                    natGateways.put(id.namespace() + "/" + id.name(), host);
                } else if (id.kind() == dev.weft.model.Kind.LoadBalancer) {
                    muxes.put(id.namespace() + "/" + id.name(), host);
                }
            });
            probedBackends(compiled.model()).forEach((key, host) -> backends.put(key, compiled.live().health().getOrDefault(key, true)));
            compiled.model().peerings().forEach((id, p) -> peerings.put(id.namespace() + "/" + id.name(), p.connected() ? "Connected" : "Initiated"));
        }
        status = new ReconcilerStatus(branch, epoch, revision, invalidRevision, errors, Instant.now(), sorted, natGateways, backends, peerings, muxes);
        metrics.loop(status, java.time.Duration.ofNanos(System.nanoTime() - started));
        org.slf4j.MDC.remove("revision");
        onLoop.accept(status);
        return status;
    }

    /** Every backend of a rule with a probe ({@code rule|backend}, see {@link dev.weft.compile.Live#backend}) and its NIC's host. */
    private static java.util.Map<String, String> probedBackends(dev.weft.model.Model model) {
        java.util.Map<String, String> backends = new java.util.TreeMap<>();
        for (dev.weft.model.LoadBalancer lb : model.loadBalancers().values()) {
            for (dev.weft.model.LoadBalancer.Rule rule : lb.rules()) {
                if (rule.probe().isEmpty()) {
                    continue;
                }
                for (String nic : lb.pool(rule.pool()).map(dev.weft.model.LoadBalancer.Pool::networkInterfaces).orElse(List.of())) {
                    dev.weft.model.NetworkInterface n = model.interfaces().get(new dev.weft.model.ResourceId(dev.weft.model.Kind.NetworkInterface,
                            lb.namespace(), nic));
                    if (n != null) {
                        backends.put(dev.weft.compile.Live.backend(lb.namespace() + "/" + lb.name() + "/" + rule.name(), lb.namespace() + "/" + nic), n.host());
                    }
                }
            }
        }
        return backends;
    }

    /**
     * The probed backends' health as their hosts report it ({@code GET /v1/health}); a backend whose host is
     * unreachable is unhealthy, one whose host hasn't judged it yet healthy.
     */
    private java.util.Map<String, Boolean> health(Compiled compiled) {
        java.util.Map<String, String> backends = probedBackends(compiled.model());
        java.util.Map<String, Boolean> health = new java.util.TreeMap<>();
        if (backends.isEmpty()) {
            return health;
        }
        for (String host : new java.util.TreeSet<>(backends.values())) {
            HostStatus status = hosts.get(host);
            java.util.Map<String, Boolean> reported = java.util.Map.of();
            boolean reachable = status != null && status.state() != SyncState.Unreachable;
            if (reachable) {
                try {
                    reported = fleet.access().client(compiled.model().hosts().get(host)).health();
                } catch (Exception e) {
                    reachable = false;
                }
            }
            for (var backend : backends.entrySet()) {
                if (backend.getValue().equals(host)) {
                    health.put(backend.getKey(), reachable ? reported.getOrDefault(backend.getKey(), true) : false);
                }
            }
        }
        return health;
    }

    /** Starts the loop on its own thread: a loop every interval, or at once after {@link #trigger}. */
    public void start() {
        running = true;
        thread = Thread.ofPlatform().name("weft-reconciler").daemon(true).start(() -> {
            while (running) {
                try {
                    reconcileOnce();
                } catch (Throwable e) { // one bad iteration must not end the loop
                    log.error("reconcile loop failed, trying again in {}", interval, e);
                }
                lock.lock();
                try {
                    if (!triggered && running) {
                        wake.await(interval.toMillis(), TimeUnit.MILLISECONDS);
                    }
                    triggered = false;
                } catch (InterruptedException e) {
                    return;
                } finally {
                    lock.unlock();
                }
            }
        });
    }

    /** Runs the next loop now (a webhook said the branch moved). */
    public void trigger() {
        lock.lock();
        try {
            triggered = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        watches.close();
        running = false;
        trigger();
        if (thread != null) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        source.close();
    }
}
