package dev.weft.contract.client;

import dev.weft.contract.AgentState;
import dev.weft.contract.ApiError;
import dev.weft.contract.Batch;
import dev.weft.contract.ContractException;
import dev.weft.contract.Digest;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.contract.Wire;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import tools.jackson.databind.JsonNode;

/** Talks to one host agent over its HTTP API. Thread-safe; blocking (call it from virtual threads). */
public final class AgentClient {

    /** The agent's digest, epoch and revision: what {@code GET /v1/state?digest} answers. */
    public record Summary(String host, long epoch, String revision, Digest digest, String version) {
    }

    /** What {@code POST /v1/apply} answered: 200 with the new digest, or a refusal with its error and reason. */
    public record ApplyResponse(int status, ApiError error, Digest digest, String message) {
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
        if (token.isPresent()) {
            requireSafeForToken();
        }
        HttpResponse<String> response = send(HttpRequest.newBuilder(base.resolve("/v1/state?digest&unless=" + unless + "&wait=" + wait.toSeconds()))
                .timeout(wait.plus(timeout)).GET().headers(authorization()).build());
        if (response.statusCode() != 200) {
            throw new UnreachableException(base + " answered a watch with HTTP " + response.statusCode(), null);
        }
        return summary(response.body());
    }

    private Summary summary(String body) throws UnreachableException {
        try {
            AgentState s = Wire.summary(Wire.parseObject(body));
            return new Summary(s.host(), s.epoch(), s.revision(), s.digest(), s.version());
        } catch (ContractException e) {
            throw new UnreachableException(base + " answered a state that isn't the agent API's: " + e.getMessage(), e);
        }
    }

    private String[] authorization() {
        return token.map(t -> new String[] {"Authorization", "Bearer " + t}).orElse(new String[] {"X-Weft", "1"});
    }

    public AgentState state() throws IOException, InterruptedException {
        String body = get("/v1/state");
        try {
            return Wire.state(body);
        } catch (ContractException e) {
            throw new UnreachableException(base + " answered a state that isn't the agent API's: " + e.getMessage(), e);
        }
    }

    public ApplyResponse apply(Batch batch) throws IOException, InterruptedException {
        return post("/v1/apply", Wire.write(batch));
    }

    /** Posts a JSON body to {@code path}; 200 carries the digest when the answer has one. */
    ApplyResponse post(String path, String body) throws IOException, InterruptedException {
        HttpRequest request = request(path).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<String> response = send(request);
        JsonNode json = json(response);
        if (response.statusCode() == 200) {
            JsonNode digest = json.get("digest");
            return new ApplyResponse(200, null, digest == null ? null : Digest.parse(digest.asString()), null);
        }
        JsonNode code = json.get("code");
        ApiError error = ApiError.ofStatus(response.statusCode());
        if (code != null) {
            try {
                error = ApiError.valueOf(code.asString());
            } catch (IllegalArgumentException unknown) {
                // a newer agent's code: the status still says what kind of refusal it is
            }
        }
        JsonNode message = json.get("error");
        return new ApplyResponse(response.statusCode(), error, null, message == null ? "HTTP " + response.statusCode() : message.asString());
    }

    /** Runs a frame through the agent's live tables without sending it ({@code POST /v1/trace}). */
    public TraceResponse trace(TraceRequest trace) throws IOException, InterruptedException {
        HttpResponse<String> response = send(request("/v1/trace").header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Wire.json(trace))).build());
        if (response.statusCode() != 200) {
            JsonNode message = json(response).get("error");
            throw new IOException(base + " refused the trace: " + (message == null ? "HTTP " + response.statusCode() : message.asString()));
        }
        try {
            return Wire.read(response.body(), TraceResponse.class);
        } catch (ContractException e) {
            throw new UnreachableException(base + " answered a trace that isn't the agent API's: " + e.getMessage(), e);
        }
    }

    /** The health of the load balancers' backends on the host, as its probes judge them: {@code rule|backend} → healthy. */
    public java.util.Map<String, Boolean> health() throws IOException, InterruptedException {
        JsonNode body = json(get("/v1/health"), base + "/v1/health");
        java.util.Map<String, Boolean> health = new java.util.TreeMap<>();
        body.properties().forEach(e -> health.put(e.getKey(), e.getValue().asBoolean()));
        return health;
    }

    public JsonNode stats() throws IOException, InterruptedException {
        return json(get("/v1/stats"), base + "/v1/stats");
    }

    private String get(String path) throws IOException, InterruptedException {
        HttpResponse<String> response = send(request(path).GET().build());
        if (response.statusCode() != 200) {
            throw new UnreachableException(base + path + " answered HTTP " + response.statusCode() + ": " + response.body(), null);
        }
        return response.body();
    }

    private HttpRequest.Builder request(String path) throws IOException {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
        if (token.isPresent()) {
            requireSafeForToken();
            builder.header("Authorization", "Bearer " + token.get());
        }
        return builder;
    }

    /** The token never travels in the clear: over plain HTTP only to a loopback address. */
    private void requireSafeForToken() throws IOException {
        if (!"http".equalsIgnoreCase(base.getScheme())) {
            return;
        }
        boolean loopback;
        try {
            loopback = base.getHost() != null && java.net.InetAddress.getByName(base.getHost()).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            loopback = false;
        }
        if (!loopback) {
            throw new IOException("refusing to send the agent token to " + base + " over plain HTTP: use https, or loopback");
        }
    }

    private HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UnreachableException("cannot reach " + base + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()), e);
        }
    }

    private JsonNode json(HttpResponse<String> response) throws UnreachableException {
        return json(response.body(), base + " (HTTP " + response.statusCode() + ")");
    }

    private static JsonNode json(String body, String from) throws UnreachableException {
        try {
            return Wire.parseObject(body);
        } catch (ContractException e) {
            throw new UnreachableException(from + " answered something that isn't a JSON object", e);
        }
    }
}
