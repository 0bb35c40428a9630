package dev.weft.agent;

import dev.weft.agent.api.AgentServer;
import dev.weft.agent.dataplane.Dataplane;
import dev.weft.agent.dataplane.PacketIo;
import dev.weft.agent.store.ObjectStore;
import dev.weft.agent.store.StoreException;
import io.vertx.core.Vertx;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * A running host agent: restores its objects and data plane from its state directory, then serves the
 * agent API. {@link #start} returns once it answers; {@link #close} stops it.
 */
public final class Agent implements AutoCloseable {

    private final AgentConfig config;
    private final Vertx vertx;
    private final AgentServer server;
    private final ObjectStore store;
    private final Dataplane dataplane;
    private final int port;

    private Agent(AgentConfig config, Vertx vertx, ObjectStore store, Dataplane dataplane, AgentServer server, int port) {
        this.config = config;
        this.vertx = vertx;
        this.store = store;
        this.dataplane = dataplane;
        this.server = server;
        this.port = port;
    }

    public static Agent start(AgentConfig config) throws Exception {
        requireSafeTransport(config);
        Dataplane dataplane = new Dataplane();
        dataplane.underlay(config.underlayAddress());
        PacketIo packets = config.packets().isPresent() ? new PacketIo(config.packets().get(), config.stateDir()) : null;
        dataplane.packets(packets);
        AgentServer[] server = new AgentServer[1];
        Vertx vertx = null;
        try {
            ObjectStore store = ObjectStore.open(config.host(), config.stateDir(), config.resetState(), dataplane::publish);
            vertx = Vertx.vertx();
            server[0] = new AgentServer(vertx, store, dataplane, config.token());
            store.onCommit(server[0]::changed);
            int port = server[0].start(serverOptions(config));
            return new Agent(config, vertx, store, dataplane, server[0], port);
        } catch (Exception e) {
            if (vertx != null) {
                vertx.close();
            }
            if (packets != null) {
                packets.close();
            }
            throw e;
        }
    }

    private static HttpServerOptions serverOptions(AgentConfig config) {
        HttpServerOptions options = new HttpServerOptions().setHost(config.listenAddress()).setPort(config.port());
        config.tls().ifPresent(tls -> {
            options.setSsl(true).setKeyCertOptions(new PemKeyCertOptions()
                    .setCertPath(tls.certificate().toString()).setKeyPath(tls.key().toString()));
            tls.clientCa().ifPresent(ca -> options.setClientAuth(ClientAuth.REQUIRED)
                    .setTrustOptions(new PemTrustOptions().addCertPath(ca.toString())));
        });
        return options;
    }

    /**
     * Off loopback, whoever reaches the agent could reprogram the host: there it needs TLS (plain HTTP carries
     * the host's programming in the clear) and client authentication, a client CA (mTLS) or a token.
     */
    static void requireSafeTransport(AgentConfig config) throws StoreException {
        boolean loopback;
        try {
            loopback = InetAddress.getByName(config.listenAddress()).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve listen address " + config.listenAddress(), e);
        }
        if (loopback) {
            return;
        }
        if (config.tls().isEmpty()) {
            throw new IllegalArgumentException("the agent listens on " + config.listenAddress()
                    + " without TLS; plain HTTP is allowed only on loopback: pass --tls-cert and --tls-key");
        }
        if (config.tls().get().clientCa().isEmpty() && config.token().isEmpty()) {
            throw new IllegalArgumentException("the agent listens on " + config.listenAddress()
                    + " without client authentication, so anyone who reaches it could program the host: pass --client-ca (mTLS) or --token-file");
        }
    }

    public int port() {
        return port;
    }

    /** Serves /metrics, /healthz and /readyz over plain HTTP on {@code host:port} (0: any free port), for Prometheus and probes; returns the port. */
    public int serveMetrics(String host, int port) throws Exception {
        return server.startMetrics(host, port);
    }

    public String url() {
        return (config.tls().isPresent() ? "https" : "http") + "://" + config.listenAddress() + ":" + port;
    }

    public ObjectStore store() {
        return store;
    }

    public Dataplane dataplane() {
        return dataplane;
    }

    private boolean closed;

    @Override
    public synchronized void close() throws Exception {
        if (closed) {
            return; // closing twice is closing once
        }
        closed = true;
        try {
            server.stop();
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
            if (dataplane.packets() != null) {
                dataplane.packets().close();
            }
        }
    }
}
