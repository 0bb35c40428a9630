package dev.weft.agent.api;

import dev.weft.agent.Dataplane;
import dev.weft.agent.object.ObjectKind;
import dev.weft.agent.store.AgentState;
import dev.weft.agent.store.ApplyException;
import dev.weft.agent.store.Batch;
import dev.weft.agent.store.ObjectCodec;
import dev.weft.agent.store.ObjectStore;
import dev.weft.fastpath.table.TableSnapshot;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import dev.weft.agent.AgentConfig;
import java.util.Optional;

/**
 * The agent's HTTP API (see DESIGN.md): state, apply, stats, health and metrics. Batches are applied on
 * a worker, one at a time; the event loop only parses and answers.
 */
public final class AgentServer {

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
    public int start(AgentConfig config) throws Exception {
        HttpServerOptions options = new HttpServerOptions().setHost(config.listenAddress()).setPort(config.port());
        config.tls().ifPresent(tls -> {
            options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(tls.certificate().toString()).setKeyPath(tls.key().toString()));
            tls.clientCa().ifPresent(ca -> options.setClientAuth(ClientAuth.REQUIRED)
                    .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
        });
        server = vertx.createHttpServer(options).requestHandler(router());
        return server.listen().toCompletionStage().toCompletableFuture().get().actualPort();
    }

    public void stop() throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private Router router() {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok").put("host", store.state().host())));
        router.route().handler(this::authenticate);
        router.get("/v1/state").handler(this::state);
        router.post("/v1/apply").handler(BodyHandler.create().setBodyLimit(MAX_BODY)).handler(this::apply);
        router.get("/v1/stats").handler(this::stats);
        router.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(metrics.scrape()));
        return router;
    }

    private void authenticate(RoutingContext ctx) {
        if (token.isEmpty() || ("Bearer " + token.get()).equals(ctx.request().getHeader("Authorization"))) {
            ctx.next();
        } else {
            json(ctx, 401, new JsonObject().put("error", "a valid bearer token is required"));
        }
    }

    private void state(RoutingContext ctx) {
        AgentState state = store.state();
        JsonObject json = new JsonObject().put("host", state.host()).put("epoch", state.epoch()).put("digest", state.digest().toString())
                .put("revision", state.revision());
        if (!ctx.queryParams().contains("digest")) {
            JsonArray objects = new JsonArray();
            state.objects().values().forEach(o -> objects.add(ObjectCodec.toJson(o)));
            json.put("objects", objects);
        }
        json(ctx, 200, json);
    }

    private void apply(RoutingContext ctx) {
        Batch batch;
        try {
            batch = ObjectCodec.batch(ctx.body().asJsonObject());
        } catch (ApplyException e) {
            refused.increment();
            json(ctx, e.status(), new JsonObject().put("error", e.getMessage()));
            return;
        } catch (DecodeException | ClassCastException e) {
            refused.increment();
            json(ctx, 400, new JsonObject().put("error", "the body is not a JSON object: " + e.getMessage()));
            return;
        }
        if (batch == null) {
            json(ctx, 400, new JsonObject().put("error", "a JSON body is required"));
            return;
        }
        Future<ObjectStore.Result> result = vertx.executeBlocking(() -> store.apply(batch));
        result.onSuccess(r -> {
            (r.changed() ? applied : unchanged).increment();
            json(ctx, 200, new JsonObject().put("digest", r.state().digest().toString()).put("changed", r.changed())
                    .put("generation", dataplane.tables().current().generation()));
        }).onFailure(e -> {
            refused.increment();
            int status = e instanceof ApplyException apply ? apply.status() : 500;
            json(ctx, status, new JsonObject().put("error", e.getMessage()));
        });
    }

    private void stats(RoutingContext ctx) {
        TableSnapshot tables = dataplane.tables().current();
        json(ctx, 200, new JsonObject()
                .put("host", store.state().host())
                .put("tables", new JsonObject().put("generation", tables.generation()).put("ports", tables.ports().size())
                        .put("mappings", tables.mappings().size()).put("networks", tables.networks().size())
                        .put("publishes", dataplane.tables().publishes()))
                .put("batches", new JsonObject().put("applied", (long) applied.count()).put("unchanged", (long) unchanged.count())
                        .put("refused", (long) refused.count())));
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }
}
