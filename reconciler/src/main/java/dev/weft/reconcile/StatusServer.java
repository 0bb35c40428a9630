package dev.weft.reconcile;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The reconciler's HTTP side: {@code GET /v1/status} and push webhooks ({@code POST /v1/webhook}) from
 * GitHub (HMAC-SHA256 signature in X-Hub-Signature-256) and GitLab (secret in X-Gitlab-Token), which
 * trigger a loop at once. Webhooks are refused unless a secret is configured. A request without a
 * signature or a delivery id is refused before its body is read; the body is read into memory only (no
 * uploads to disk), at most {@value #MAX_WEBHOOK_BODY} bytes; a delivery id is accepted once (replays get 409).
 */
public final class StatusServer implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Reconciler reconciler;
    private final Optional<byte[]> secret;
    private HttpServer server;
    static final int MAX_WEBHOOK_BODY = 1024 * 1024;
    /** Delivery ids of the last accepted webhooks, oldest first. */
    private final java.util.Set<String> deliveries = java.util.Collections.newSetFromMap(new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(java.util.Map.Entry<String, Boolean> eldest) {
            return size() > 10_000;
        }
    });

    public StatusServer(Reconciler reconciler, Optional<String> secret) {
        this.reconciler = reconciler;
        this.secret = secret.map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    public int start(String host, int port) throws Exception {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
        router.get("/v1/status").handler(ctx -> json(ctx, 200, toJson(reconciler.status())));
        router.get("/v1/topology").handler(ctx -> {
            dev.weft.compile.Compiled compiled = reconciler.compiled();
            json(ctx, 200, compiled == null ? new JsonObject().put("revision", "").put("tenants", new JsonArray()) : topology(compiled.model()));
        });
        router.get("/").handler(ctx -> ctx.response().putHeader("content-type", "text/html; charset=utf-8")
                .putHeader("cache-control", "no-cache").end(PAGE));
        router.get("/metrics").handler(ctx -> ctx.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(reconciler.metrics().scrape()));
        router.post("/v1/webhook").handler(this::webhookHeaders); // first, on a route of its own: before any byte of the body
        router.post("/v1/webhook").handler(BodyHandler.create(false).setBodyLimit(MAX_WEBHOOK_BODY)).handler(this::webhook)
                .failureHandler(ctx -> json(ctx, ctx.statusCode() > 0 ? ctx.statusCode() : 500, new JsonObject().put("error",
                        ctx.statusCode() == 413 ? "the body is larger than " + MAX_WEBHOOK_BODY + " bytes" : "the webhook failed: " + ctx.failure())));
        server = vertx.createHttpServer().requestHandler(router);
        return server.listen(port, host).toCompletionStage().toCompletableFuture().get().actualPort();
    }

    /** GitHub's or GitLab's id of a delivery. */
    private static String delivery(RoutingContext ctx) {
        String github = ctx.request().getHeader("X-GitHub-Delivery");
        return github != null ? github : ctx.request().getHeader("X-Gitlab-Event-UUID");
    }

    /** What can be refused before the body is read: no secret configured, no signature, no delivery id. */
    private void webhookHeaders(RoutingContext ctx) {
        if (secret.isEmpty()) {
            json(ctx, 403, new JsonObject().put("error", "webhooks are disabled: start the reconciler with --webhook-secret-file"));
        } else if (ctx.request().getHeader("X-Hub-Signature-256") == null && ctx.request().getHeader("X-Gitlab-Token") == null) {
            json(ctx, 401, new JsonObject().put("error", "missing or invalid webhook signature"));
        } else if (delivery(ctx) == null) {
            json(ctx, 400, new JsonObject().put("error", "a delivery id is required (X-GitHub-Delivery or X-Gitlab-Event-UUID)"));
        } else {
            ctx.next();
        }
    }

    private void webhook(RoutingContext ctx) {
        byte[] body = ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes();
        String github = ctx.request().getHeader("X-Hub-Signature-256");
        String gitlab = ctx.request().getHeader("X-Gitlab-Token");
        boolean valid;
        if (github != null) {
            valid = MessageDigest.isEqual(github.getBytes(StandardCharsets.UTF_8),
                    ("sha256=" + hmacSha256(secret.get(), body)).getBytes(StandardCharsets.UTF_8));
        } else if (gitlab != null) {
            valid = MessageDigest.isEqual(gitlab.getBytes(StandardCharsets.UTF_8), secret.get());
        } else {
            valid = false;
        }
        if (!valid) {
            json(ctx, 401, new JsonObject().put("error", "missing or invalid webhook signature"));
            return;
        }
        boolean first;
        synchronized (deliveries) {
            first = deliveries.add(delivery(ctx));
        }
        if (!first) {
            json(ctx, 409, new JsonObject().put("error", "delivery " + delivery(ctx) + " was already received: a replay"));
            return;
        }
        reconciler.trigger();
        json(ctx, 202, new JsonObject().put("status", "reconciling"));
    }

    public static String hmacSha256(byte[] key, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The status page: a static page that draws /v1/status and /v1/topology and asks again every two seconds. */
    private static final String PAGE;

    static {
        try (var in = StatusServer.class.getResourceAsStream("/dev/weft/reconcile/status.html")) {
            PAGE = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (java.io.IOException | NullPointerException e) {
            throw new IllegalStateException("status.html is missing from the build", e);
        }
    }

    /**
     * {@code GET /v1/topology}: what the revision being programmed declares, tenant by tenant: each network (VNI, address
     * space) with its subnets and their NICs (address, host).
     */
    public static JsonObject topology(dev.weft.model.Model model) {
        java.util.SortedMap<String, JsonArray> tenants = new java.util.TreeMap<>();
        for (dev.weft.model.VirtualNetwork n : model.networks().values()) {
            JsonArray subnets = new JsonArray();
            for (dev.weft.model.Subnet s : n.subnets()) {
                JsonArray nics = new JsonArray();
                model.interfaces().values().stream()
                        .filter(i -> i.namespace().equals(n.namespace()) && i.virtualNetwork().equals(n.name()) && i.subnet().equals(s.name()))
                        .forEach(i -> nics.add(new JsonObject().put("name", i.name()).put("ip", i.ipAddress().toString()).put("host", i.host())));
                subnets.add(new JsonObject().put("name", s.name()).put("prefix", s.addressPrefix().toString()).put("nics", nics));
            }
            JsonArray space = new JsonArray();
            n.addressSpace().forEach(p -> space.add(p.toString()));
            tenants.computeIfAbsent(n.namespace(), t -> new JsonArray())
                    .add(new JsonObject().put("name", n.name()).put("vni", n.vni()).put("addressSpace", space).put("subnets", subnets));
        }
        JsonArray list = new JsonArray();
        tenants.forEach((name, networks) -> list.add(new JsonObject().put("name", name).put("networks", networks)));
        return new JsonObject().put("revision", model.revision()).put("tenants", list);
    }

    public static JsonObject toJson(ReconcilerStatus status) {
        JsonArray hosts = new JsonArray();
        for (HostStatus h : status.hosts()) {
            hosts.add(new JsonObject().put("host", h.host()).put("endpoint", h.endpoint()).put("state", h.state().name())
                    .put("revision", h.revision()).put("ops", h.ops()).put("lastError", h.lastError()).put("version", h.version())
                    .put("lastSync", h.lastSync() == null ? null : h.lastSync().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()));
        }
        JsonArray errors = new JsonArray();
        status.errors().forEach(errors::add);
        return new JsonObject().put("version", dev.weft.contract.BuildInfo.current().id())
                .put("branch", status.branch()).put("epoch", status.epoch()).put("revision", status.revision())
                .put("invalidRevision", status.invalidRevision()).put("errors", errors)
                .put("lastLoop", status.lastLoop() == null ? null : status.lastLoop().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString()).put("hosts", hosts)
                .put("natGateways", new JsonObject(new java.util.LinkedHashMap<String, Object>(status.natGateways())))
                .put("loadBalancerMuxes", new JsonObject(new java.util.LinkedHashMap<String, Object>(status.muxes())))
                .put("backends", backends(status))
                .put("peerings", new JsonObject(new java.util.LinkedHashMap<String, Object>(status.peerings())));
    }

    /** {@code {"namespace/lb/rule": {"namespace/nic": "Healthy" | "Unhealthy"}}}. */
    private static JsonObject backends(ReconcilerStatus status) {
        JsonObject rules = new JsonObject();
        status.backends().forEach((key, healthy) -> {
            String[] parts = key.split("\\|", 2);
            JsonObject rule = rules.getJsonObject(parts[0]);
            if (rule == null) {
                rule = new JsonObject();
                rules.put(parts[0], rule);
            }
            rule.put(parts[1], healthy ? "Healthy" : "Unhealthy");
        });
        return rules;
    }

    private static void json(RoutingContext ctx, int status, JsonObject body) {
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.close().toCompletionStage().toCompletableFuture().get();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get();
    }
}
