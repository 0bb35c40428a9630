package dev.weft.bench;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import dev.weft.reconcile.AgentAccess;
import dev.weft.reconcile.Fleet;
import dev.weft.reconcile.Reconciler;
import dev.weft.reconcile.ReconcilerStatus;
import dev.weft.reconcile.RetryPolicy;
import dev.weft.reconcile.StatusServer;
import dev.weft.source.GitSource;
import dev.weft.source.Sources;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.PersonIdent;

/**
 * Commit → every agent Synced, with 100 in-process agents on loopback: triggered by a signed webhook, and
 * by polling every second (the baseline). Then the CPU time of a loop in which nothing changed, against a
 * loop that programs one change.
 *
 * usage: ConvergenceBench [agents] [rounds]
 */
public final class ConvergenceBench {

    private ConvergenceBench() {
    }

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Path work = Files.createTempDirectory("weft-convergence-");
        Path repoDir = work.resolve("repo");
        Files.createDirectories(repoDir);
        Map<String, Agent> agents = new TreeMap<>();
        Map<String, URI> endpoints = new TreeMap<>();
        try (Git git = Git.init().setDirectory(repoDir.toFile()).setInitialBranch("main").call()) {
            writeManifests(repoDir, hosts, 0);
            commit(git, "initial");
            for (int h = 0; h < hosts; h++) {
                String name = "host-%03d".formatted(h);
                Agent agent = Agent.start(AgentConfig.loopback(name, 0, work.resolve("agents").resolve(name)));
                agents.put(name, agent);
                endpoints.put(name, URI.create(agent.url()));
            }
            AgentAccess access = AgentAccess.of(endpoints, Optional.empty(), Optional.empty(), Duration.ofSeconds(5));

            boolean cpuOnly = args.length > 2 && args[2].equals("cpu-only");
            List<Double> webhook = cpuOnly ? List.of(0.0) : measure(git, repoDir, work, access, hosts, rounds, Duration.ofMinutes(10), true, 1);
            List<Double> polling = cpuOnly ? List.of(0.0) : measure(git, repoDir, work, access, hosts, rounds, Duration.ofSeconds(1), false, 1 + rounds);
            double[] cpu = loopCpu(git, repoDir, work, hosts);

            System.out.printf("%nCPU: %s, %d cores; %s%n", cpuModel(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.vm.version"));
            System.out.printf("%d in-process agents on loopback, one NIC per host in one virtual network; each commit adds a NIC (%d rounds)%n%n",
                    hosts, rounds);
            System.out.printf("%-48s %8s %8s %8s%n", "commit -> all Synced (ms)", "min", "median", "max");
            row("webhook (signed GitHub push)", webhook);
            row("polling every 1 s (baseline)", polling);
            System.out.printf("%n%-48s %8s%n", "reconciler CPU per loop, agents in another process (ms)", "median");
            System.out.printf("%-48s %8.2f%n", "nothing changed (digests known from watches)", cpu[0]);
            System.out.printf("%-48s %8.2f%n", "one NIC added (baseline: a loop that programs)", cpu[1]);
        } finally {
            for (Agent agent : agents.values()) {
                agent.close();
            }
            try (var paths = Files.walk(work)) {
                paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static List<Double> measure(Git git, Path repoDir, Path work, AgentAccess access, int hosts, int rounds, Duration interval,
                                        boolean useWebhook, int firstNic) throws Exception {
        GitSource source = (GitSource) Sources.open(repoDir.toString(), work.resolve("cache"));
        List<Double> times = new ArrayList<>();
        try (Reconciler reconciler = new Reconciler(source, "main", new Fleet(access, RetryPolicy.DEFAULT), System.nanoTime(), interval, s -> { });
             StatusServer server = new StatusServer(reconciler, Optional.of("bench-secret"))) {
            int port = server.start("127.0.0.1", 0);
            reconciler.reconcileOnce();
            reconciler.start();
            HttpClient http = HttpClient.newHttpClient();
            for (int round = 0; round < rounds; round++) {
                Thread.sleep(100 + (long) (Math.random() * 900)); // commits land at any point of the polling interval
                writeManifests(repoDir, hosts, firstNic + round);
                long start = System.nanoTime();
                String revision = commit(git, "round " + round);
                if (useWebhook) {
                    byte[] body = ("{\"ref\":\"refs/heads/main\",\"after\":\"" + revision + "\"}").getBytes(StandardCharsets.UTF_8);
                    http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/webhook"))
                            .header("X-GitHub-Event", "push").header("X-GitHub-Delivery", java.util.UUID.randomUUID().toString())
                            .header("X-Hub-Signature-256", "sha256=" + StatusServer.hmacSha256("bench-secret".getBytes(StandardCharsets.UTF_8), body))
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.discarding());
                }
                while (!synced(reconciler.status(), revision)) {
                    Thread.onSpinWait();
                    Thread.sleep(0, 200_000);
                }
                times.add((System.nanoTime() - start) / 1e6);
            }
        }
        return times;
    }

    /**
     * Median CPU of one reconcile loop with nothing changed, and with one NIC added. The agents run in a
     * child process here, so this process's CPU time is the reconciler's alone.
     */
    private static double[] loopCpu(Git git, Path repoDir, Path work, int hosts) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                AgentHost.class.getName(), Integer.toString(hosts), work.resolve("child-agents").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        Map<String, URI> endpoints = new TreeMap<>();
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null && !line.equals("ready"); line = lines.readLine()) {
                String[] parts = line.split(" ");
                endpoints.put(parts[0], URI.create(parts[1]));
            }
            AgentAccess access = AgentAccess.of(endpoints, Optional.empty(), Optional.empty(), Duration.ofSeconds(5));
            var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            GitSource source = (GitSource) Sources.open(repoDir.toString(), work.resolve("cache"));
            List<Double> idle = new ArrayList<>();
            List<Double> busy = new ArrayList<>();
            try (Reconciler reconciler = new Reconciler(source, "main", new Fleet(access, RetryPolicy.DEFAULT), System.nanoTime(),
                    Duration.ofMinutes(10), s -> { })) {
                for (int i = 0; i < 300; i++) { // warm up
                    reconciler.reconcileOnce();
                }
                for (int i = 0; i < 10; i++) { // CPU time is counted in clock ticks: average over 50 loops
                    long cpu = os.getProcessCpuTime();
                    for (int j = 0; j < 50; j++) {
                        reconciler.reconcileOnce();
                    }
                    idle.add((os.getProcessCpuTime() - cpu) / 1e6 / 50);
                }
                for (int i = 0; i < 10; i++) {
                    writeManifests(repoDir, hosts, 1000 + i);
                    commit(git, "busy " + i);
                    long cpu = os.getProcessCpuTime();
                    reconciler.reconcileOnce();
                    busy.add((os.getProcessCpuTime() - cpu) / 1e6);
                }
            }
            return new double[] {median(idle), median(busy)};
        } finally {
            child.getOutputStream().close();
            child.waitFor();
        }
    }

    private static boolean synced(ReconcilerStatus status, String revision) {
        return status.revision().equals(revision) && status.allSynced()
                && status.hosts().stream().allMatch(h -> h.revision().equals(revision));
    }

    /** One Host and one NIC per host in tenant-a/blue, plus {@code extra} more NICs. */
    private static void writeManifests(Path repo, int hosts, int extra) throws Exception {
        StringBuilder out = new StringBuilder("""
                apiVersion: weft.dev/v1alpha1
                kind: VirtualNetwork
                metadata: {name: blue, namespace: tenant-a}
                spec:
                  vni: 5001
                  addressSpace: [10.1.0.0/16]
                  subnets:
                    - {name: web, addressPrefix: 10.1.0.0/20}
                """);
        for (int h = 0; h < hosts; h++) {
            out.append("---\napiVersion: weft.dev/v1alpha1\nkind: Host\nmetadata: {name: host-%03d}\nspec: {underlayAddress: 198.18.%d.%d}\n"
                    .formatted(h, h / 250, h % 250 + 1));
        }
        for (int n = 0; n < hosts + extra; n++) {
            out.append(("---\napiVersion: weft.dev/v1alpha1\nkind: NetworkInterface\nmetadata: {name: vm-%d, namespace: tenant-a}\n"
                    + "spec: {virtualNetwork: blue, subnet: web, host: host-%03d, macAddress: \"02:00:00:00:%02x:%02x\", ipAddress: 10.1.%d.%d}\n")
                    .formatted(n, n % hosts, n / 256, n % 256, (n + 2) / 256, (n + 2) % 256));
        }
        Files.writeString(repo.resolve("manifests.yaml"), out.toString());
    }

    private static String commit(Git git, String message) throws Exception {
        git.add().addFilepattern(".").call();
        PersonIdent who = new PersonIdent("bench", "bench@weft.dev");
        return git.commit().setMessage(message).setAuthor(who).setCommitter(who).call().name();
    }

    private static void row(String label, List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        System.out.printf("%-48s %8.0f %8.0f %8.0f%n", label, sorted.getFirst(), median(values), sorted.getLast());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.get(sorted.size() / 2);
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
        } catch (Exception e) {
            return "unknown";
        }
    }
}
