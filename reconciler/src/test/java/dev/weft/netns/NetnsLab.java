package dev.weft.netns;

import static org.awaitility.Awaitility.await;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import dev.weft.cli.ExampleRepo;
import dev.weft.compile.Compiled;
import dev.weft.model.Host;
import dev.weft.reconcile.AgentAccess;
import dev.weft.reconcile.Fleet;
import dev.weft.reconcile.Reconciler;
import dev.weft.reconcile.RetryPolicy;
import dev.weft.source.GitSource;
import dev.weft.source.Sources;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/**
 * The namespace lab for end-to-end tests: a repository's manifests as host and VM namespaces, an agent
 * per host moving real packets, and the reconcile loop following the repository (attaching VMs after every
 * loop). Needs root; in CI (CI=true) the tests must run, so the root check only skips elsewhere.
 */
final class NetnsLab implements AutoCloseable {

    final Path dir;
    final ExampleRepo repo;
    final Topology topology = new Topology();
    final Map<String, Agent> agents = new ConcurrentHashMap<>();
    Reconciler reconciler;

    static void requireRoot() throws Exception {
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue("0".equals(Topology.run("id", "-u").trim()), "needs root for network namespaces");
        }
        requireTool("ip", "iproute2");
        requireTool("ping", "iputils-ping");
        requireTool("python3", "python3");
    }

    /**
     * Skips the test when {@code command} is not installed, naming the Debian package that has it; under
     * CI=true a missing tool fails the test instead (CI installs what the tests use).
     */
    static void requireTool(String command, String debianPackage) {
        boolean found = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .anyMatch(dir -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, command)));
        String message = "needs " + command + ": install the Debian package " + debianPackage + " (apt-get install " + debianPackage + ")";
        if (!found && "true".equals(System.getenv("CI"))) {
            throw new AssertionError(message);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(found, message);
    }

    NetnsLab(Path dir) throws Exception {
        this.dir = dir;
        this.repo = new ExampleRepo(dir.resolve("repo"));
    }

    /** Builds the namespaces for the repository's current revision, starts the loop, and waits until web-1 pings web-2. */
    NetnsLab start() throws Exception {
        return start("tenant-a.web-1", "10.1.1.5");
    }

    /** As {@link #start()}, waiting until {@code vm} pings {@code target}. */
    NetnsLab start(String vm, String target) throws Exception {
        GitSource source = (GitSource) Sources.open(repo.dir().toString(), dir.resolve("cache"));
        AgentAccess access = new AgentAccess(host -> Optional.of(URI.create(agent(host).url())), Optional.empty(), Optional.empty(),
                Duration.ofSeconds(5));
        reconciler = new Reconciler(source, "main", new Fleet(access, RetryPolicy.DEFAULT), 1, Duration.ofMillis(200), status -> {
            Compiled compiled = reconciler.compiled();
            if (compiled != null) {
                try {
                    topology.attach(compiled.model(), nic -> !vhostUser.contains(nic.host()));
                    if (guests != null) {
                        guests.attach(compiled.model(), nic -> vhostUser.contains(nic.host())
                                ? Optional.of(dev.weft.agent.dataplane.PacketConfig.vhostSocket(dir.resolve("vhost").resolve(nic.host()),
                                        nic.namespace() + "/" + nic.name()))
                                : Optional.empty());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        var model = new dev.weft.validate.Validator().validate(source.read(null)).model().orElseThrow();
        Topology.removeLeftovers(model);
        topology.build(model);
        reconciler.start();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> reconciler.status().allSynced()
                && pings(vm, target));
        return this;
    }

    private Agent agent(Host host) {
        return agents.computeIfAbsent(host.name(), name -> {
            try {
                return Agent.start(new AgentConfig(name, "127.0.0.1", 0, dir.resolve("agents").resolve(name), false, Optional.empty(),
                        Optional.empty(), Optional.of(new dev.weft.agent.dataplane.PacketConfig(host.underlayAddress(), Optional.of(Topology.hostNamespace(name)), workers, Topology.UNDERLAY_MTU,
                        vhostUser.contains(name) ? Optional.of(dir.resolve("vhost").resolve(name)) : Optional.empty()))));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** QEMU guests on the vhost-user hosts' sockets (see {@link #withGuests}), or null. */
    dev.weft.vm.Guests guests;

    /** Boots a QEMU guest (TCG) for every NIC of the {@link #vhostUser} hosts once its socket is there; builds the image first if needed. */
    NetnsLab withGuests() throws java.io.IOException {
        guests = new dev.weft.vm.Guests(dir.resolve("vms"), dev.weft.vm.GuestImage.ensure(), dev.weft.vm.Guests.Accel.tcg);
        return this;
    }

    /** Packet workers per agent (set before {@link #start}); with more than one, TAP devices have a queue per worker. */
    int workers = 1;

    /** Hosts whose VM ports are vhost-user sockets (set before {@link #start}). */
    final java.util.Set<String> vhostUser = new java.util.HashSet<>();

    /** A TCP server in {@code vm} on {@code port} that sends back the first line of every connection, then closes it. */
    static Process echoServer(String vm, int port) throws java.io.IOException {
        return new ProcessBuilder("ip", "netns", "exec", vm, "python3", "-c",
                "import socket\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('0.0.0.0', " + port + ")); s.listen()\n"
                        + "while True:\n  c, _ = s.accept(); c.sendall(c.recv(10)); c.close()").start();
    }

    /**
     * tshark in namespace {@code ns} with {@code arguments}, what it prints going to {@code out}; returns once it captures
     * (it says so on stderr), which takes from a fraction of a second to several on a busy machine.
     */
    static Process tshark(String ns, java.nio.file.Path out, String... arguments) throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("ip", "netns", "exec", ns, "tshark"));
        command.addAll(java.util.List.of(arguments));
        java.nio.file.Path said = java.nio.file.Files.createTempFile("weft-tshark", ".err");
        Process tshark = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(said.toFile()).start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!java.nio.file.Files.readString(said).contains("Capturing on")) {
            if (!tshark.isAlive() || System.nanoTime() > deadline) {
                tshark.destroyForcibly();
                throw new IllegalStateException("tshark did not start capturing: " + java.nio.file.Files.readString(said));
            }
            Thread.sleep(50);
        }
        Thread.sleep(500); // it says so a moment before its capture sees everything
        return tshark;
    }

    /** A counter of {@code vm}'s kernel from /proc/net/snmp, e.g. {@code Icmp: InEchos}. */
    static long snmp(String vm, String group, String name) throws Exception {
        List<String> lines = Topology.run("ip", "netns", "exec", vm, "cat", "/proc/net/snmp").lines().filter(l -> l.startsWith(group)).toList();
        List<String> names = List.of(lines.get(0).split(" "));
        int at = names.indexOf(name);
        if (at < 0) {
            throw new AssertionError("no " + group + " " + name + " in /proc/net/snmp");
        }
        return Long.parseLong(lines.get(1).split(" ")[at]);
    }

    static boolean pings(String vm, String target) {
        return Topology.quietly("ip", "netns", "exec", vm, "ping", "-c", "2", "-i", "0.2", "-W", "1", target);
    }

    @Override
    public void close() throws Exception {
        if (reconciler != null) {
            reconciler.close();
        }
        if (guests != null) {
            guests.close();
        }
        for (Agent agent : agents.values()) {
            agent.close();
        }
        topology.close();
        repo.close();
    }
}
