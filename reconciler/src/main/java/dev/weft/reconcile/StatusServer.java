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
 * trigger a loop at once. Webhooks are refused unless a secret is configured.
 */
public final class StatusServer implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final Reconciler reconciler;
    private final Optional<byte[]> secret;
    private HttpServer server;

    public StatusServer(Reconciler reconciler, Optional<String> secret) {
        this.reconciler = reconciler;
        this.secret = secret.map(s -> s.getBytes(StandardCharsets.UTF_8));
    }

    public int start(String host, int port) throws Exception {
        Router router = Router.router(vertx);
        router.get("/healthz").handler(ctx -> json(ctx, 200, new JsonObject().put("status", "ok")));
        router.get("/v1/status").handler(ctx -> json(ctx, 200, toJson(reconciler.status())));
        router.post("/v1/webhook").handler(BodyHandler.create().setBodyLimit(16 * 1024 * 1024)).handler(this::webhook);
        server = vertx.createHttpServer().requestHandler(router);
        return server.listen(port, host).toCompletionStage().toCompletableFuture().get().actualPort();
    }

    private void webhook(RoutingContext ctx) {
        if (secret.isEmpty()) {
            json(ctx, 403, new JsonObject().put("error", "webhooks are disabled: start the reconciler with --webhook-secret-file"));
            return;
        }
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

    public static JsonObject toJson(ReconcilerStatus status) {
        JsonArray hosts = new JsonArray();
        for (HostStatus h : status.hosts()) {
            hosts.add(new JsonObject().put("host", h.host()).put("endpoint", h.endpoint()).put("state", h.state().name())
                    .put("revision", h.revision()).put("ops", h.ops()).put("lastError", h.lastError())
                    .put("lastSync", h.lastSync() == null ? null : h.lastSync().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString()));
        }
        JsonArray errors = new JsonArray();
        status.errors().forEach(errors::add);
        return new JsonObject().put("branch", status.branch()).put("epoch", status.epoch()).put("revision", status.revision())
                .put("invalidRevision", status.invalidRevision()).put("errors", errors)
                .put("lastLoop", status.lastLoop() == null ? null : status.lastLoop().truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString()).put("hosts", hosts);
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
