package dev.weft.agent.client;

import dev.weft.agent.object.Digest;
import dev.weft.agent.object.HostObject;
import dev.weft.agent.object.ObjectKey;
import dev.weft.agent.store.AgentState;
import dev.weft.agent.store.Batch;
import dev.weft.agent.store.ObjectCodec;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;
import javax.net.ssl.SSLContext;

/** Talks to one host agent over its HTTP API. Thread-safe; blocking (call it from virtual threads). */
public final class AgentClient {

    /** The agent's digest, epoch and revision: what {@code GET /v1/state?digest} answers. */
    public record Summary(String host, long epoch, String revision, Digest digest) {
    }

    /** What {@code POST /v1/apply} answered: 200 with the new digest, or a refusal with its status and reason. */
    public record ApplyResponse(int status, Digest digest, String error) {
        public boolean ok() {
            return status == 200;
        }
    }

    /** The agent could not be reached, or answered something that isn't the agent API. */
    public static final class UnreachableException extends IOException {
        public UnreachableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final URI base;
    private final HttpClient http;
    private final Optional<String> token;
    private final Duration timeout;

    public AgentClient(URI base, Optional<String> token, Optional<SSLContext> tls, Duration timeout) {
        this(base, token, httpClient(tls, timeout), timeout);
    }

    /** A client sharing {@code http} (its connections and selector thread) with other agents' clients. */
    public AgentClient(URI base, Optional<String> token, HttpClient http, Duration timeout) {
        this.base = base;
        this.token = token;
        this.timeout = timeout;
        this.http = http;
    }

    public static HttpClient httpClient(Optional<SSLContext> tls, Duration timeout) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1);
        tls.ifPresent(builder::sslContext);
        return builder.build();
    }

    public URI base() {
        return base;
    }

    public Summary summary() throws IOException, InterruptedException {
        return summary(get("/v1/state?digest"));
    }

    /**
     * Waits until the agent's digest is no longer {@code unless} (or {@code wait} passes) and returns its
     * summary: a watch, so a reconciler knows every agent's digest without asking on every loop.
     */
    public Summary watch(Digest unless, Duration wait) throws IOException, InterruptedException {
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("/v1/state?digest&unless=" + unless + "&wait=" + wait.toSeconds()))
                .timeout(wait.plus(timeout)).GET().headers(authorization()).build());
        if (response.statusCode() != 200) {
            throw new UnreachableException(base + " answered a watch with HTTP " + response.statusCode(), null);
        }
        return summary(parse(response));
    }

    private static Summary summary(JsonObject json) {
        return new Summary(json.getString("host"), json.getLong("epoch"), json.getString("revision", ""), Digest.parse(json.getString("digest")));
    }

    private String[] authorization() {
        return token.map(t -> new String[] {"Authorization", "Bearer " + t}).orElse(new String[] {"X-Weft", "1"});
    }

    public AgentState state() throws IOException, InterruptedException {
        JsonObject json = get("/v1/state");
        NavigableMap<ObjectKey, HostObject> objects = new TreeMap<>();
        for (Object entry : json.getJsonArray("objects")) {
            HostObject object = ObjectCodec.object((JsonObject) entry);
            objects.put(object.id(), object);
        }
        return new AgentState(json.getString("host"), json.getLong("epoch"), json.getString("revision", ""),
                Digest.parse(json.getString("digest")), Collections.unmodifiableNavigableMap(objects));
    }

    public ApplyResponse apply(Batch batch) throws IOException, InterruptedException {
        HttpRequest request = request("/v1/apply").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(ObjectCodec.toJson(batch).encode())).build();
        HttpResponse<String> response = send(request);
        JsonObject json = parse(response);
        if (response.statusCode() == 200) {
            return new ApplyResponse(200, Digest.parse(json.getString("digest")), null);
        }
        return new ApplyResponse(response.statusCode(), null, json.getString("error", "HTTP " + response.statusCode()));
    }

    public JsonObject stats() throws IOException, InterruptedException {
        return get("/v1/stats");
    }

    private JsonObject get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = send(request(path).GET().build());
        if (response.statusCode() != 200) {
            throw new UnreachableException(base + path + " answered HTTP " + response.statusCode() + ": " + response.body(), null);
        }
        return parse(response);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
        token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        return builder;
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UnreachableException("cannot reach " + base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    private JsonObject parse(HttpResponse<String> response) throws UnreachableException {
        try {
            return new JsonObject(response.body());
        } catch (RuntimeException e) {
            throw new UnreachableException(base + " answered HTTP " + response.statusCode() + " with something that isn't JSON", e);
        }
    }
}
