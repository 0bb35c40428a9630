package dev.weft.cli;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import dev.weft.compile.Compiled;
import dev.weft.model.Host;
import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import dev.weft.netns.Topology;
import java.io.IOException;
import dev.weft.plan.TextRenderer;
import dev.weft.reconcile.AgentAccess;
import dev.weft.reconcile.Epochs;
import dev.weft.reconcile.Fleet;
import dev.weft.reconcile.Reconciler;
import dev.weft.reconcile.RetryPolicy;
import dev.weft.reconcile.StatusServer;
import dev.weft.source.GitSource;
import dev.weft.source.ManifestSource;
import dev.weft.source.Sources;
import dev.weft.source.Trees;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "up", mixinStandardHelpOptions = true,
        header = "Weft on its embedded default: the example manifests, an in-process agent per Host, the reconcile loop.",
        description = {"Weft on its embedded default: the example manifests in a throwaway Git repository, one in-process agent",
                "per Host on loopback, and the reconcile loop with its status API. Commit to the repository and watch it converge.",
                "Ctrl-C stops everything."})
public final class UpCommand implements Callable<Integer> {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(UpCommand.class);

    @Spec
    CommandSpec spec;

    @Mixin
    LogOptions logging;

    @Option(names = "--repo", paramLabel = "R",
            description = "Manifests to run: a Git repository (followed on its current branch) or a directory (copied into a throwaway repository). Default: manifests-example.")
    Path repo;

    @Option(names = "--listen", paramLabel = "ADDR:PORT", defaultValue = "127.0.0.1:7400", description = "Status API (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "2s", description = "Time between loops (default: ${DEFAULT-VALUE}).")
    String interval;

    @Option(names = "--netns", description = {"Real packets (root): a network namespace per Host on a shared underlay bridge, its agent moving",
            "packets through TAP devices and VXLAN, and a namespace per NetworkInterface playing the VM."})
    boolean netns;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "With --netns: packet worker threads per agent; with more than one, each VM's TAP device has a queue per worker (default: ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--busy-poll", paramLabel = "MICROS",
            description = "With --netns or --vms: as weft agent --busy-poll, for every agent (default: 200 with --netns, 0 with --vms).")
    Long busyPoll;

    @Option(names = "--vms", description = {"Real guests (root, QEMU): as --netns, but each NetworkInterface is a small Linux guest booted with QEMU",
            "(TCG unless --vm-accel kvm) on a vhost-user port of its host's agent. The image is built on first use by",
            "bin/build-guest-image from Debian packages; ./weft vm exec TENANT/NIC -- CMD runs a command in a guest."})
    boolean vms;

    @Option(names = "--vm-dir", paramLabel = "DIR", description = "Where --vms keeps each guest's exec socket and console log (default: ${DEFAULT-VALUE}).")
    Path vmDir = dev.weft.vm.Guests.DEFAULT_DIR;

    @Option(names = "--vm-accel", paramLabel = "tcg|kvm", defaultValue = "tcg",
            description = "How --vms runs guests: tcg (QEMU's emulation, boots anywhere) or kvm (only where /dev/kvm boots a stock kernel) (default: ${DEFAULT-VALUE}).")
    dev.weft.vm.Guests.Accel vmAccel;

    private dev.weft.vm.Guests guests;

    private final Topology topology = new Topology();

    private final Map<String, Agent> agents = new ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        logging.apply();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try { // checked before anything starts: agents start when the first revision names their hosts
            dev.weft.agent.dataplane.PacketConfig.checkBusyPoll(busyPoll == null ? 0 : busyPoll);
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        Path work = Files.createTempDirectory("weft-up-");
        Path repoDir = prepareRepository(work, err);
        if (repoDir == null) {
            Trees.delete(work);
            return 1;
        }
        ManifestSource source = Sources.open(repoDir.toString(), work.resolve("cache"));
        GitSource git = (GitSource) source;
        String branch = git.repository().getBranch();

        netns |= vms; // guests live on the same namespaced hosts and underlay
        if (netns && !"root".equals(System.getProperty("user.name"))) {
            err.println("error: " + (vms ? "--vms" : "--netns") + " makes network namespaces, which needs root");
            Trees.delete(work);
            return 1;
        }
        // Agents start on demand, for every Host the revision being applied has, including hosts a later commit adds.
        AgentAccess access = new AgentAccess(host -> Optional.of(URI.create(agent(host, work).url())), Optional.empty(),
                Optional.empty(), Duration.ofSeconds(5));
        Fleet fleet = new Fleet(access, RetryPolicy.DEFAULT);
        ReconcileCommand.StatusPrinter printer = new ReconcileCommand.StatusPrinter(out);
        Reconciler[] self = new Reconciler[1];
        Reconciler reconciler = new Reconciler(git, branch, fleet, Epochs.next(work.resolve("reconciler")), Durations.parse(interval),
                status -> {
                    printer.accept(status);
                    if (netns && self[0] != null && self[0].compiled() != null) {
                        attachVms(self[0].compiled().model(), work, err);
                    }
                });
        self[0] = reconciler;
        StatusServer server = new StatusServer(reconciler, Optional.empty());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            reconciler.close();
            try {
                server.close();
            } catch (Exception e) {
                log.warn("closing the status server failed while exiting", e);
            }
            agents.values().forEach(a -> {
                try {
                    a.close();
                } catch (Exception e) {
                    log.warn("closing an agent failed while exiting", e);
                }
            });
            if (guests != null) {
                guests.close();
            }
            topology.close();
            Trees.delete(work);
            stopped.countDown();
        }));
        Listen address = Listen.parse(listen);
        int port;
        try {
            port = server.start(address.host(), address.port());
        } catch (Exception e) {
            err.println("error: cannot serve the status API on " + listen + ": " + e.getMessage()
                    + " (is another weft up running? pass --listen 127.0.0.1:0)");
            System.exit(1);
            return 1;
        }

        Compiled desired = Desired.compile(new RepoOptions(repoDir.toString()), null, err);
        if (desired == null) {
            System.exit(1);
            return 1;
        }
        if (netns) {
            Topology.removeLeftovers(desired.model()); // a previous run that crashed
            topology.build(desired.model());
        }
        if (vms) {
            if (!Files.isExecutable(Path.of("/usr/bin/qemu-system-x86_64"))) {
                err.println("error: --vms boots guests with QEMU: install qemu-system-x86 (apt-get install qemu-system-x86)");
                System.exit(1);
                return 1;
            }
            out.println("weft up: the guest image (bin/build-guest-image; built once, then cached)...");
            out.flush();
            guests = new dev.weft.vm.Guests(vmDir, dev.weft.vm.GuestImage.ensure(), vmAccel);
        }
        boolean color = CommandLine.Help.Ansi.AUTO.enabled();
        out.print(TextRenderer.render(Fleet.planLive(desired, desired.model().revision(), fleet.fetch(desired)), color));
        out.println();
        out.flush();
        reconciler.reconcileOnce();
        StatusTable.print(StatusServer.toJson(reconciler.status()), out);
        reconciler.start();
        out.printf("%nWeft is up: %d agents on loopback, reconciling %s (branch %s) every %s.%n", agents.size(), repoDir, branch, interval);
        out.printf("  status:  ./weft status --server http://%s:%d   (or GET /v1/status)%n", address.host(), port);
        out.printf("  change:  edit a manifest in %s, then%n", repoDir);
        out.printf("           git -C %s commit -am \"my change\"%n", repoDir);
        out.println("           and watch the hosts converge here and in ./weft status.");
        if (vms) {
            tryGuests(desired.model(), out);
        } else if (netns) {
            tryIt(desired.model(), out);
        }
        out.println("Ctrl-C stops everything and removes the throwaway repository" + (netns ? " and the namespaces." : "."));
        out.flush();
        stopped.await();
        return 0;
    }

    private Agent agent(Host host, Path work) {
        return agents.computeIfAbsent(host.name(), name -> {
            try {
                Optional<dev.weft.agent.dataplane.PacketConfig> packets = Optional.empty();
                if (netns) {
                    topology.addHost(host); // a host a later commit added
                    packets = Optional.of(new dev.weft.agent.dataplane.PacketConfig(host.underlayAddress(), Optional.of(Topology.hostNamespace(name)),
                            Math.max(1, workers), Topology.UNDERLAY_MTU, vms ? Optional.of(vhostDir(work, name)) : Optional.empty()).withBusyPoll(busyPoll));
                }
                return Agent.start(new AgentConfig(name, "127.0.0.1", 0, work.resolve("agents").resolve(name), false, Optional.empty(),
                        Optional.empty(), packets).withUnderlay(host.underlayAddress())); // traces know whose tables they run on
            } catch (Exception e) {
                throw new IllegalStateException("cannot start the agent of " + name + ": " + e.getMessage(), e);
            }
        });
    }

    /** Where host {@code host}'s agent makes its vhost-user sockets. */
    private static Path vhostDir(Path work, String host) {
        return work.resolve("agents").resolve(host).resolve("vhost-user");
    }

    private void attachVms(Model model, Path work, PrintWriter err) {
        try {
            if (vms) {
                guests.attach(model, nic -> Optional.of(dev.weft.agent.dataplane.PacketConfig.vhostSocket(vhostDir(work, nic.host()),
                        nic.namespace() + "/" + nic.name())));
            } else {
                topology.attach(model);
            }
        } catch (IOException e) {
            err.println("weft up: cannot attach a VM: " + e.getMessage());
        }
    }

    /** Two NICs of one network on different hosts, for the ping the quick start suggests; empty when the model has none. */
    private static Optional<NetworkInterface[]> acrossHosts(Model model) {
        var nics = model.interfaces().values().stream().toList();
        for (NetworkInterface from : nics) {
            for (NetworkInterface to : nics) {
                if (from != to && from.networkId().equals(to.networkId()) && !from.host().equals(to.host())) {
                    return Optional.of(new NetworkInterface[] {from, to});
                }
            }
        }
        return Optional.empty();
    }

    /** Prints a command that pings between two guests of the same network on different hosts. */
    private void tryGuests(Model model, PrintWriter out) {
        acrossHosts(model).ifPresent(pair -> {
            NetworkInterface from = pair[0];
            NetworkInterface to = pair[1];
            String dir = vmDir.equals(dev.weft.vm.Guests.DEFAULT_DIR) ? "" : " --vm-dir " + vmDir;
            out.printf("  guests:  %d QEMU guests boot (%s), a few seconds each; their consoles: %s/<tenant>/<nic>/console.log%n",
                    guests.count(), vmAccel, vmDir);
            out.printf("  try:     ./weft vm exec%s %s/%s -- ping -c 3 %s      (%s on %s → %s on %s, over VXLAN)%n", dir, from.namespace(),
                    from.name(), to.ipAddress(), from.name(), from.host(), to.name(), to.host());
        });
    }

    /** Prints a ping between two VMs of the same network, and where to look. */
    private static void tryIt(Model model, PrintWriter out) {
        acrossHosts(model).ifPresent(pair -> {
            NetworkInterface from = pair[0];
            NetworkInterface to = pair[1];
            out.printf("  try:     ip netns exec %s ping %s      (%s on %s → %s on %s, over VXLAN)%n", Topology.vmNamespace(from),
                    to.ipAddress(), from.name(), from.host(), to.name(), to.host());
            out.println("           ip netns list   shows every VM (<tenant>.<nic>) and host (host.<name>) namespace");
            tryInternet(model, out);
        });
    }

    /** With a logical network: the internet namespace, and a VM that reaches it. */
    private static void tryInternet(Model model, PrintWriter out) {
        model.logicalNetworks().values().stream().findFirst().ifPresent(l -> {
            for (NetworkInterface nic : model.interfaces().values()) {
                boolean leaves = nic.publicIPAddress().isPresent() || model.networks().get(nic.networkId()).subnet(nic.subnet())
                        .flatMap(dev.weft.model.Subnet::natGateway).isPresent();
                if (leaves) {
                    out.printf("           ip netns exec %s ping %s   (%s reaches the namespace %s, the %s network's gateway, %s)%n",
                            Topology.vmNamespace(nic), l.defaultGateway(), nic.name(), Topology.INTERNET, l.name(),
                            nic.publicIPAddress().isPresent() ? "as its public address" : "through its subnet's NAT gateway");
                    return;
                }
            }
        });
    }

    /** The Git repository to follow: --repo if it is one, else a throwaway repository holding a copy of the manifests. */
    private Path prepareRepository(Path work, PrintWriter err) throws Exception {
        Path from = repo != null ? repo : defaultManifests();
        if (from == null || !Files.isDirectory(from)) {
            err.println("error: no manifests at " + (from == null ? "manifests-example" : from)
                    + "; run from the Weft checkout, or pass --repo");
            return null;
        }
        if (Files.exists(from.resolve(".git"))) {
            return from.toAbsolutePath();
        }
        Path target = work.resolve("manifests");
        Trees.copy(from, target);
        try (Git git = Git.init().setDirectory(target.toFile()).setInitialBranch("main").call()) {
            git.add().addFilepattern(".").call();
            PersonIdent who = new PersonIdent("weft up", "weft@localhost");
            git.commit().setMessage("manifests from " + from.toAbsolutePath()).setAuthor(who).setCommitter(who).call();
        }
        return target;
    }

    private static Path defaultManifests() {
        String home = System.getenv("WEFT_HOME");
        Path candidate = home != null ? Path.of(home, "manifests-example") : Path.of("manifests-example");
        return Files.isDirectory(candidate) ? candidate : null;
    }

}
