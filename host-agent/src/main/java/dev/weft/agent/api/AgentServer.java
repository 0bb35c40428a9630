package dev.weft.agent.api;

import dev.weft.agent.dataplane.Dataplane;
import dev.weft.agent.store.ObjectStore;
import dev.weft.contract.AgentState;
import dev.weft.contract.ApiError;
import dev.weft.contract.Batch;
import dev.weft.contract.ContractException;
import dev.weft.contract.ObjectKind;
import dev.weft.contract.Wire;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.agent.dataplane.PacketIo;
import dev.weft.agent.dataplane.Tracing;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import io.micrometer.core.instrument.Counter;
import dev.weft.fastpath.io.Worker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Optional;

/**
 * The agent's HTTP API (see DESIGN.md): state, apply, stats, health and metrics. Batches are applied on
 * a worker, one at a time; the event loop only parses and answers.
 */
public final class AgentServer {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AgentServer.class);

    private static final long MAX_BODY = 256L * 1024 * 1024;

    private final Vertx vertx;
    private final ObjectStore store;
    private final Dataplane dataplane;
    private final Optional<String> token;
    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter applied;
    private final Counter unchanged;
    private final Counter refused;
    private HttpServer server;

    public AgentServer(Vertx vertx, ObjectStore store, Dataplane dataplane, Optional<String> token) {
        this.vertx = vertx;
        this.store = store;
        this.dataplane = dataplane;
        this.token = token;
        applied = Counter.builder("weft_agent_batches").tag("result", "applied").description("Batches applied").register(metrics);
        unchanged = Counter.builder("weft_agent_batches").tag("result", "unchanged").description("Batches that changed nothing").register(metrics);
        refused = Counter.builder("weft_agent_batches").tag("result", "refused").description("Batches refused").register(metrics);
        for (ObjectKind kind : ObjectKind.values()) {
            Gauge.builder("weft_agent_objects", store, s -> s.state().objects().keySet().stream().filter(k -> k.kind() == kind).count())
                    .tag("kind", kind.name()).description("Objects held").register(metrics);
        }
        Gauge.builder("weft_agent_epoch", store, s -> s.state().epoch()).description("Highest epoch accepted").register(metrics);
        Gauge.builder("weft_fastpath_table_generation", dataplane, d -> d.tables().current().generation())
                .description("Generation of the published table snapshot").register(metrics);
    }

    /** Binds and serves; returns the bound port. */
    public int start(HttpServerOptions options) throws Exception {
        server = vertx.createHttpServer(options).requestHandler(router());
        return server.listen().toCompletionStage().toCompletableFuture().get().actualPort();
    }

    /**
     * Serves {@code /metrics}, {@code /healthz} and {@code /readyz} on a plain-HTTP listener of their own, without
     * authentication, for Prometheus and the kubelet's probes (the API's listener requires client certificates). Nothing
     * there reads or changes the host's programming. Returns the port.
     */
    public int startMetrics(String host, int port) throws Exception {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(this::health);
        router.get("/readyz").handler(this::ready);
        router.get("/metrics").handler(this::scrape);
        metricsServer = vertx.createHttpServer(new io.vertx.core.http.HttpServerOptions().setHost(host).setPort(port)).requestHandler(router);
        return metricsServer.listen().toCompletionStage().toCompletableFuture().get().actualPort();
    }

    private io.vertx.core.http.HttpServer metricsServer;

    /**
     * {@code GET /readyz}: 200 once the agent serves its API with its state restored and its data plane moving packets
     * (every packet worker running); 503 with the reason otherwise. Says whether it has been programmed yet.
     */
    private void ready(RoutingContext ctx) {
        java.util.Optional<String> failure = dataplaneFailure();
        var state = store.state();
        JsonObject body = new JsonObject().put("host", state.host()).put("programmed", state.epoch() > 0).put("revision", state.revision());
        if (server == null || failure.isPresent()) {
            json(ctx, 503, body.put("status", "not ready").put("reason", failure.orElse("the agent API is not serving yet")));
        } else {
            json(ctx, 200, body.put("status", "ready"));
        }
    }

    private void scrape(RoutingContext ctx) {
        registerNodeMeters();
        ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
    }

    public void stop() throws Exception {
        if (metricsServer != null) {
            metricsServer.close().toCompletionStage().toCompletableFuture().get();
        }
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private Router router() {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(this::health);
        router.route().handler(this::authenticate);
        router.get("/v1/state").handler(this::stateOrWatch);
        router.post("/v1/apply").handler(BodyHandler.create().setBodyLimit(MAX_BODY)).handler(this::apply);
        router.get("/v1/stats").handler(this::stats);
        router.get("/v1/health").handler(ctx -> json(ctx, 200, new JsonObject(new java.util.TreeMap<String, Object>(
                dataplane.packets() == null ? java.util.Map.of() : dataplane.packets().health()))));
        router.post("/v1/trace").handler(BodyHandler.create().setBodyLimit(128 * 1024)).handler(this::trace); // a 64 kB TSO frame, base64
        router.get("/metrics").handler(this::scrape);
        return router;
    }

    private final java.util.Set<String> nodeMeters = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * The fastpath's per-node counters as Prometheus counters: {@code weft_fastpath_node_packets_total{node}}
     * for every node, {@code weft_fastpath_drops_total{node,reason}} for every drop that has happened.
     */
    private void registerNodeMeters() {
        PacketIo packets = dataplane.packets();
        if (packets == null) {
            return;
        }
        if (nodeMeters.add("nat")) {
            FunctionCounter.builder("weft_nat_port_exhausted", packets, p -> p.natSessions().exhausted)
                    .description("New flows a NAT gateway served here dropped because every port of its addresses was in use").register(metrics);
            Gauge.builder("weft_nat_sessions", packets, p -> p.natSessions().active())
                    .description("Live translations of the NAT gateways served here").register(metrics);
            FunctionCounter.builder("weft_mirror_copies", packets, PacketIo::mirrorsCopied)
                    .description("Frames the host's taps (VirtualNetworkTap) copied").register(metrics);
            FunctionCounter.builder("weft_mirror_lost", packets, PacketIo::mirrorsLost)
                    .description("Copies the host's taps lost: no room, or a collector that couldn't take them").register(metrics);
            FunctionCounter.builder("weft_underlay_tunnel_sent", packets, PacketIo::tunnelSent)
                    .description("GSO frames sent as VXLAN whole, through the tunnel devices (weftgsoN)").register(metrics);
            FunctionCounter.builder("weft_underlay_tunnel_refused", packets, PacketIo::tunnelRefused)
                    .description("GSO frames the kernel refused to take whole through the tunnel devices (dropped)").register(metrics);
            FunctionCounter.builder("weft_underlay_whole_received", packets, PacketIo::wholeReceived)
                    .description("VXLAN datagrams received carrying a whole GSO frame (TCP, or a UDP send's datagrams)").register(metrics);
            FunctionCounter.builder("weft_underlay_no_room", packets, PacketIo::noRoom)
                    .description("Datagrams of a coalesced VXLAN receive the batch had no room left for (dropped)").register(metrics);
            for (int w = 0; w < packets.activity().size(); w++) {
                registerWorkerMeters(packets, w);
            }
        }
        packets.meters().dropped().forEach((port, directions) -> directions.keySet().forEach(direction -> {
            if (nodeMeters.add("qos/" + port + "/" + direction)) {
                FunctionCounter.builder("weft_qos_dropped_bytes", packets, p -> p.meters().dropped().getOrDefault(port, java.util.Map.of())
                                .getOrDefault(direction, new long[2])[0])
                        .tag("port", port).tag("direction", direction.name().toLowerCase(java.util.Locale.ROOT))
                        .description("Bytes a port's rate limit (qosSettings) dropped").register(metrics);
            }
        }));
        for (String port : packets.vhostKeys()) { // a port's series stay once it has been seen, reading 0 while it isn't there
            if (nodeMeters.add("vhost/" + port)) {
                FunctionCounter.builder("weft_vhost_user_frames", packets, p -> p.vhost(port).map(v -> v.framesIn).orElse(0L))
                        .tag("port", port).tag("direction", "in").description("Frames a vhost-user port read from its guest").register(metrics);
                FunctionCounter.builder("weft_vhost_user_frames", packets, p -> p.vhost(port).map(v -> v.framesOut).orElse(0L))
                        .tag("port", port).tag("direction", "out").description("Frames a vhost-user port wrote to its guest").register(metrics);
                FunctionCounter.builder("weft_vhost_user_no_buffer", packets, p -> p.vhost(port).map(v -> v.noBuffer).orElse(0L))
                        .tag("port", port).description("Frames for a vhost-user guest dropped: it had no receive buffer posted").register(metrics);
                Gauge.builder("weft_vhost_user_ready", packets, p -> p.vhost(port).map(v -> v.ready() ? 1.0 : 0.0).orElse(0.0))
                        .tag("port", port).description("1 while a guest is connected to the vhost-user port with both queues ready").register(metrics);
            }
        }
        packets.nodeCounts().forEach((node, count) -> {
            if (nodeMeters.add(node)) {
                FunctionCounter.builder("weft_fastpath_node_packets", packets, p -> p.nodePackets(node))
                        .tag("node", node).description("Packets a fastpath node processed").register(metrics);
            }
            count.drops().keySet().forEach(reason -> {
                if (nodeMeters.add(node + "/" + reason)) {
                    FunctionCounter.builder("weft_fastpath_drops", packets, p -> p.nodeDrops(node, reason))
                            .tag("node", node).tag("reason", reason.name()).description("Packets a fastpath node dropped, by reason")
                            .register(metrics);
                }
            });
        });
    }

    /** Worker {@code w}'s {@link Worker.Activity} as counters tagged {@code worker}. */
    private void registerWorkerMeters(PacketIo packets, int w) {
        workerCounter(packets, w, "weft_worker_sleeps", "Times the worker looked at its devices and could sleep in epoll_wait until a device had something", Worker.Activity::sleeps);
        workerCounter(packets, w, "weft_worker_polls", "Times the worker looked at its devices without sleeping (busy polling, or vhost-user guests sending)", Worker.Activity::polls);
        workerCounter(packets, w, "weft_worker_yields", "Busy-polling looks that found nothing and yielded the core", Worker.Activity::yields);
        workerCounter(packets, w, "weft_worker_batches", "Batches of frames the worker handled", Worker.Activity::batches);
        workerCounter(packets, w, "weft_worker_frames", "Frames in those batches", Worker.Activity::frames);
        workerCounter(packets, w, "weft_worker_busy_seconds", "Time from finding frames to having sent them", a -> a.busyNanos() / 1e9);
    }

    private void workerCounter(PacketIo packets, int w, String name, String help, java.util.function.ToDoubleFunction<Worker.Activity> value) {
        FunctionCounter.builder(name, packets, p -> value.applyAsDouble(p.activity().get(w))).tag("worker", Integer.toString(w))
                .description(help).register(metrics);
    }

    /** 200 while the agent can program and move packets; 503 with the reason when a packet worker stopped. */
    /** Why the data plane stopped moving packets (a packet worker ended), or empty. */
    private java.util.Optional<String> dataplaneFailure() {
        PacketIo packets = dataplane.packets();
        return packets == null ? java.util.Optional.empty() : packets.failure();
    }

    private void health(RoutingContext ctx) {
        java.util.Optional<String> failure = dataplaneFailure();
        if (failure.isPresent()) {
            json(ctx, 503, new JsonObject().put("status", "unhealthy").put("host", store.state().host()).put("reason", failure.get()));
        } else {
            json(ctx, 200, new JsonObject().put("status", "ok").put("host", store.state().host()));
        }
    }

    /** The bearer token, compared in constant time so the time of a refusal says nothing about the token. */
    private void authenticate(RoutingContext ctx) {
        String header = ctx.request().getHeader("Authorization");
        if (token.isEmpty() || (header != null && java.security.MessageDigest.isEqual(
                ("Bearer " + token.get()).getBytes(java.nio.charset.StandardCharsets.UTF_8), header.getBytes(java.nio.charset.StandardCharsets.UTF_8)))) {
            ctx.next();
        } else {
            error(ctx, ApiError.UNAUTHORIZED, "a valid bearer token is required");
        }
    }

    /** A digest request held until the digest is no longer {@code unless}, or until its wait runs out. */
    private record Waiter(RoutingContext ctx, io.vertx.core.Context context, String unless, long timer) {
    }

    private final java.util.Set<Waiter> waiters = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** Called after every change of the store: answers the watches whose digest is now stale. */
    public void changed(AgentState state) {
        String digest = state.digest().toString();
        for (Waiter waiter : waiters) {
            if (!waiter.unless().equals(digest) && waiters.remove(waiter)) {
                waiter.context().runOnContext(v -> {
                    vertx.cancelTimer(waiter.timer());
                    state(waiter.ctx());
                });
            }
        }
    }

    /**
     * {@code GET /v1/state?digest&unless=D&wait=S}: a watch. Answers at once when the digest isn't D,
     * else when it changes, or after S seconds (at most 60) with the unchanged digest.
     */
    private void stateOrWatch(RoutingContext ctx) {
        String unless = ctx.queryParams().get("unless");
        if (unless == null || !unless.equals(store.state().digest().toString())) {
            state(ctx);
            return;
        }
        long seconds = Math.min(60, Math.max(1, parseLong(ctx.queryParams().get("wait"), 25)));
        io.vertx.core.Context context = vertx.getOrCreateContext();
        Waiter[] self = new Waiter[1];
        long timer = vertx.setTimer(seconds * 1000, id -> {
            if (waiters.remove(self[0])) {
                state(ctx);
            }
        });
        self[0] = new Waiter(ctx, context, unless, timer);
        waiters.add(self[0]);
        ctx.request().connection().closeHandler(v -> waiters.remove(self[0]));
        if (!unless.equals(store.state().digest().toString()) && waiters.remove(self[0])) { // changed meanwhile
            vertx.cancelTimer(timer);
            state(ctx);
        }
    }

    private static long parseLong(String text, long fallback) {
        try {
            return text == null ? fallback : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private void state(RoutingContext ctx) {
        AgentState state = store.state();
        ctx.response().setStatusCode(200).putHeader("content-type", "application/json")
                .end(Wire.write(state, !ctx.queryParams().contains("digest")));
    }

    private void apply(RoutingContext ctx) {
        Batch batch;
        String host = store.state().host(); // this agent's events carry its host, and the revision of the batch they are about
        try (var h = org.slf4j.MDC.putCloseable("host", host)) {
            try {
                batch = Wire.batch(ctx.body().asString());
            } catch (ContractException e) {
                refused.increment();
                log.warn("refused a batch: {} {}", e.error(), e.getMessage());
                error(ctx, e.error(), e.getMessage());
                return;
            }
        }
        Future<ObjectStore.Result> result = vertx.executeBlocking(() -> {
            try (var h = org.slf4j.MDC.putCloseable("host", host); var r = org.slf4j.MDC.putCloseable("revision", batch.revision())) {
                return store.apply(batch);
            }
        });
        result.onComplete(done -> {
            try (var h = org.slf4j.MDC.putCloseable("host", host); var rev = org.slf4j.MDC.putCloseable("revision", batch.revision())) {
                if (done.succeeded()) {
                    ObjectStore.Result r = done.result();
                    (r.changed() ? applied : unchanged).increment();
                    if (r.changed()) {
                        log.info("applied {} operations of revision {} (epoch {}): digest {}", batch.ops().size(), batch.revision(), batch.epoch(),
                                r.state().digest().toString().substring(0, 12));
                    }
                    json(ctx, 200, new JsonObject().put("digest", r.state().digest().toString()).put("changed", r.changed())
                            .put("generation", dataplane.tables().current().generation()));
                    return;
                }
                Throwable e = done.cause();
                refused.increment();
                if (e instanceof ContractException refusal) {
                    log.warn("refused a batch of revision {} (epoch {}): {} {}", batch.revision(), batch.epoch(), refusal.error(), refusal.getMessage());
                    error(ctx, refusal.error(), refusal.getMessage());
                } else {
                    log.error("applying a batch of revision {} failed", batch.revision(), e);
                    error(ctx, ApiError.INTERNAL, "applying the batch failed: " + e);
                }
            }
        });
    }

    /** {@code POST /v1/trace}: one frame through the live tables with every node's decision recorded; nothing is sent. */
    private void trace(RoutingContext ctx) {
        try {
            TraceRequest request = Wire.read(ctx.body().asString(), TraceRequest.class);
            PacketIo packets = dataplane.packets();
            TraceResponse response = Tracing.run(store.state().host(), dataplane.tables().current(),
                    dataplane.underlay(), request,
                    packets == null ? new dev.weft.fastpath.uplink.Neighbors() : packets.neighbors(),
                    packets == null ? dev.weft.fastpath.trace.PacketTracer.Devices.UNKNOWN : packets.devices());
            ctx.response().setStatusCode(200).putHeader("content-type", "application/json").end(Wire.json(response));
        } catch (ContractException e) {
            error(ctx, e.error(), e.getMessage());
        }
    }

    private void stats(RoutingContext ctx) {
        TableSnapshot tables = dataplane.tables().current();
        json(ctx, 200, new JsonObject()
                .put("host", store.state().host())
                .put("tables", new JsonObject().put("generation", tables.generation()).put("ports", tables.ports().size())
                        .put("mappings", tables.mappings().size()).put("networks", tables.networks().size())
                        .put("publishes", dataplane.tables().publishes()))
                .put("batches", new JsonObject().put("applied", (long) applied.count()).put("unchanged", (long) unchanged.count())
                        .put("refused", (long) refused.count()))
                .put("packets", dataplane.packets() == null ? null : dataplane.packets().stats()));
    }

    private static void error(RoutingContext ctx, ApiError error, String message) {
        ctx.response().setStatusCode(error.status()).putHeader("content-type", "application/json").end(Wire.error(error, message));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
}
