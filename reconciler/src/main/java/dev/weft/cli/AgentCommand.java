package dev.weft.cli;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "agent", mixinStandardHelpOptions = true,
        description = {"The host agent daemon: holds this host's programming, persists it, restores it on start, and serves the agent API.",
                "Plain HTTP only on a loopback address; elsewhere --tls-cert and --tls-key are required."})
public final class AgentCommand implements Callable<Integer> {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AgentCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    LogOptions logging;

    @Option(names = "--host", required = true, paramLabel = "NAME", description = "This host's name in the manifests.")
    String host;

    @Option(names = "--listen", required = true, paramLabel = "ADDR:PORT", description = "Where to serve the agent API.")
    String listen;

    @Option(names = "--state-dir", required = true, paramLabel = "DIR", description = "Where the agent keeps its objects.")
    Path stateDir;

    @Option(names = "--reset-state", description = "Start empty when the state file is corrupt (it is kept as state.json.corrupt).")
    boolean resetState;

    @Option(names = "--token-file", paramLabel = "FILE", description = "Require this bearer token (read from FILE) on every request but /healthz.")
    Path tokenFile;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "Server certificate.")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "Server private key.")
    Path tlsKey;

    @Option(names = "--client-ca", paramLabel = "PEM", description = "Require client certificates signed by this CA (mTLS).")
    Path clientCa;

    @Option(names = "--metrics-listen", paramLabel = "ADDR:PORT",
            description = {"Also serve /metrics (Prometheus), /healthz and /readyz over plain HTTP here, without authentication,",
                    "for scrapers and probes that can't present the API's client certificate. Nothing there reads or changes programming."})
    String metricsListen;

    @Option(names = "--underlay", paramLabel = "ADDR", description = "This host's underlay address: serve real packets (TAP ports, VXLAN/NVGRE on it).")
    String underlay;

    @Option(names = "--netns", paramLabel = "NAME", description = "Network namespace for the TAP devices and underlay sockets (default: the agent's).")
    String netns;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1", description = "Packet worker threads (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--busy-poll", paramLabel = "MICROS",
            description = {"After its devices last had something to read, a worker keeps looking for this many microseconds without sleeping,",
                    "yielding its core to any other thread that wants it; 0: it sleeps at once (default: 200 with TAP ports, 0 with vhost-user ports)."})
    Long busyPoll;

    @Option(names = "--underlay-mtu", paramLabel = "BYTES", defaultValue = "1500",
            description = "MTU of the underlay link; DHCP offers VMs this less the encapsulation overhead, at most 1500 (default: ${DEFAULT-VALUE}).")
    int underlayMtu;

    /** How VMs attach to their ports. */
    enum VmPorts { tap, vhost_user }

    @Option(names = "--vm-ports", paramLabel = "KIND", defaultValue = "tap", converter = VmPortsConverter.class,
            description = "How VMs attach: tap (a TAP device per port) or vhost-user (a socket per port, <state-dir>/vhost-user/<tenant>_<nic>.sock,"
                    + " for QEMU's vhost-user netdev) (default: ${DEFAULT-VALUE}).")
    VmPorts vmPorts;

    static final class VmPortsConverter implements picocli.CommandLine.ITypeConverter<VmPorts> {
        @Override
        public VmPorts convert(String value) {
            return switch (value) {
                case "tap" -> VmPorts.tap;
                case "vhost-user" -> VmPorts.vhost_user;
                default -> throw new picocli.CommandLine.TypeConversionException("expected tap or vhost-user, not " + value);
            };
        }
    }

    @Override
    public Integer call() throws Exception {
        logging.apply();
        Listen address = Listen.parse(listen);
        Optional<AgentConfig.Tls> tls = tlsCert == null ? Optional.empty()
                : Optional.of(new AgentConfig.Tls(tlsCert, tlsKey, Optional.ofNullable(clientCa)));
        Optional<String> token = tokenFile == null ? Optional.empty() : Optional.of(Files.readString(tokenFile).trim());
        Agent agent;
        try {
            Optional<dev.weft.agent.dataplane.PacketConfig> packets = underlay == null ? Optional.empty()
                    : Optional.of(new dev.weft.agent.dataplane.PacketConfig(dev.weft.net.Ipv4.parse(underlay), Optional.ofNullable(netns), workers, underlayMtu,
                            vmPorts == VmPorts.vhost_user ? Optional.of(stateDir.resolve("vhost-user")) : Optional.empty()).withBusyPoll(busyPoll));
            agent = Agent.start(new AgentConfig(host, address.host(), address.port(), stateDir, resetState, token, tls, packets));
        } catch (dev.weft.agent.store.StoreException | IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                agent.close();
            } catch (Exception e) {
                log.warn("closing the agent failed while exiting", e);
            }
            stopped.countDown();
        }));
        var state = agent.store().state();
        spec.commandLine().getOut().printf("weft agent %s serving %s (%d objects restored, epoch %d, digest %s)%n",
                host, agent.url(), state.objects().size(), state.epoch(), state.digest().toString().substring(0, 12));
        if (metricsListen != null) {
            Listen plain = Listen.parse(metricsListen);
            int port = agent.serveMetrics(plain.host(), plain.port());
            spec.commandLine().getOut().printf("metrics and probes on http://%s:%d (/metrics, /healthz, /readyz)%n", plain.host(), port);
        }
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
