package dev.weft.chart;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/** charts/weft with Helm 4: it lints, and renders what a cluster needs. In CI (CI=true) Helm must be there. */
class HelmChartTest {

    static final Path CHART = Path.of("..", "charts", "weft");
    static String helm;

    @BeforeAll
    static void findHelm() throws Exception {
        String configured = System.getenv("WEFT_HELM");
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            helm = configured;
        } else if (new ProcessBuilder("sh", "-c", "command -v helm").start().waitFor() == 0) {
            helm = "helm";
        }
        if (helm == null && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException("CI needs Helm: .ci/run installs it and sets WEFT_HELM");
        }
        Assumptions.assumeTrue(helm != null, "Helm is not installed (set WEFT_HELM)");
    }

    record Result(int exit, String out) {
    }

    static Result helm(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(helm));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        return new Result(p.waitFor(), out);
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> render(String... sets) throws Exception {
        List<String> args = new ArrayList<>(List.of("template", "weft", CHART.toString(), "--set", "reconciler.repo=https://git.example/net.git"));
        for (String set : sets) {
            args.addAll(List.of("--set", set));
        }
        Result result = helm(args.toArray(String[]::new));
        assertThat(result.exit()).as(result.out()).isZero();
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(result.out())) {
            if (doc != null) {
                docs.add((Map<String, Object>) doc);
            }
        }
        return docs;
    }

    static Map<String, Object> kind(List<Map<String, Object>> docs, String kind) {
        return docs.stream().filter(d -> kind.equals(d.get("kind"))).findFirst().orElseThrow();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> at(Map<String, Object> map, String... path) {
        Object value = map;
        for (String key : path) {
            value = ((Map<String, Object>) value).get(key);
        }
        return (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> container(Map<String, Object> workload) {
        return ((List<Map<String, Object>>) at(workload, "spec", "template", "spec").get("containers")).getFirst();
    }

    @Test
    void lints() throws Exception {
        Result result = helm("lint", CHART.toString(), "--set", "reconciler.repo=https://git.example/net.git");
        assertThat(result.exit()).as(result.out()).isZero();
        assertThat(result.out()).contains("1 chart(s) linted, 0 chart(s) failed");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theAgentRunsOnEveryNodeOnItsAddressWithTheRightsForTapDevicesAndNothingMore() throws Exception {
        Map<String, Object> agent = kind(render(), "DaemonSet");
        Map<String, Object> pod = at(agent, "spec", "template", "spec");
        assertThat(pod.get("hostNetwork")).isEqualTo(true);
        assertThat(pod.get("automountServiceAccountToken")).isEqualTo(false);
        Map<String, Object> c = container(agent);
        assertThat((List<String>) c.get("args")).contains("agent", "--host=$(NODE_NAME)", "--listen=$(HOST_IP):7443", "--underlay=$(HOST_IP)",
                "--client-ca=/etc/weft/tls/ca.crt");
        assertThat(c.get("command")).as("the image's entrypoint runs weft").isNull();
        assertThat((List<String>) at(c, "securityContext", "capabilities").get("add")).containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW");
        assertThat(at(c, "securityContext").get("privileged")).isNull();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theReconcilerFollowsTheRepositoryAndTakesWebhooksWhenASecretIsGiven() throws Exception {
        List<Map<String, Object>> docs = render("reconciler.webhookSecret.existingSecret=weft-webhook");
        Map<String, Object> reconciler = kind(docs, "Deployment");
        assertThat(at(reconciler, "spec").get("replicas")).isEqualTo(1);
        assertThat((List<String>) container(reconciler).get("args")).contains("reconcile", "--repo=https://git.example/net.git",
                "--branch=main", "--listen=0.0.0.0:7400", "--webhook-secret-file=/etc/weft/webhook/secret");
        assertThat(kind(docs, "Service")).isNotNull();
        assertThat(docs.stream().filter(d -> "ServiceAccount".equals(d.get("kind")))).hasSize(2)
                .allSatisfy(sa -> assertThat(sa.get("automountServiceAccountToken")).isEqualTo(false));
    }

    @Test
    void withoutARepositoryItSaysWhatIsMissing() throws Exception {
        Result result = helm("template", "weft", CHART.toString());
        assertThat(result.exit()).isNotZero();
        assertThat(result.out()).contains("reconciler.repo: the Git URL of the manifest repository is required");
    }

    @Test
    @SuppressWarnings("unchecked")
    void probesReflectTheDataPlaneAndPrometheusReachesTheAgentsMetricsPort() throws Exception {
        List<Map<String, Object>> docs = render();
        Map<String, Object> c = container(kind(docs, "DaemonSet"));
        assertThat((List<String>) c.get("args")).contains("--metrics-listen=$(HOST_IP):9464");
        assertThat(at(c, "livenessProbe", "httpGet")).containsEntry("path", "/healthz").containsEntry("port", "metrics");
        assertThat(at(c, "readinessProbe", "httpGet")).containsEntry("path", "/readyz").containsEntry("port", "metrics");
        assertThat(docs).filteredOn(d -> "Service".equals(d.get("kind")) && "weft-agent-metrics".equals(at(d, "metadata").get("name")))
                .singleElement().satisfies(svc -> assertThat(at(svc, "spec").get("clusterIP")).isEqualTo("None"));
        assertThat(docs).as("no ServiceMonitor unless asked: the CRD may not exist").noneMatch(d -> "ServiceMonitor".equals(d.get("kind")));

        List<Map<String, Object>> monitored = render("metrics.serviceMonitor.enabled=true", "metrics.serviceMonitor.labels.release=prometheus");
        List<Map<String, Object>> monitors = monitored.stream().filter(d -> "ServiceMonitor".equals(d.get("kind"))).toList();
        assertThat(monitors).hasSize(2).allSatisfy(m -> assertThat(at(m, "metadata", "labels")).containsEntry("release", "prometheus"));
        assertThat(monitors).extracting(m -> ((List<Map<String, Object>>) at(m, "spec").get("endpoints")).getFirst().get("port"))
                .containsExactlyInAnyOrder("http", "metrics");
    }

    @Test
    void valuesAreCheckedAgainstTheChartsSchema() throws Exception {
        Result typo = helm("template", "weft", CHART.toString(), "--set", "reconciler.repo=https://git.example/net.git", "--set", "agent.wokers=2");
        assertThat(typo.exit()).isNotZero();
        assertThat(typo.out()).contains("additional properties 'wokers' not allowed");
        Result wrongType = helm("template", "weft", CHART.toString(), "--set", "reconciler.repo=https://git.example/net.git", "--set", "agent.port=http");
        assertThat(wrongType.exit()).isNotZero();
        assertThat(wrongType.out()).contains("/agent/port");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aPrivateRepositoryIsReachedWithTheCredentialsOfASecret() throws Exception {
        Map<String, Object> ssh = kind(render("reconciler.gitAuth.existingSecret=weft-git", "reconciler.gitAuth.sshKeyKey=id_ed25519",
                "reconciler.gitAuth.knownHostsKey=known_hosts"), "Deployment");
        assertThat((List<String>) container(ssh).get("args")).contains("--git-ssh-key=/etc/weft/git/id_ed25519", "--git-known-hosts=/etc/weft/git/known_hosts")
                .noneMatch(a -> a.startsWith("--git-token-file"));
        Map<String, Object> https = kind(render("reconciler.gitAuth.existingSecret=weft-git", "reconciler.gitAuth.tokenKey=token"), "Deployment");
        assertThat((List<String>) container(https).get("args")).contains("--git-token-file=/etc/weft/git/token", "--git-username=x-access-token");
        Result noKnownHosts = helm("template", "weft", CHART.toString(), "--set", "reconciler.repo=ssh://git.example/net.git",
                "--set", "reconciler.gitAuth.existingSecret=weft-git", "--set", "reconciler.gitAuth.sshKeyKey=id_ed25519");
        assertThat(noKnownHosts.exit()).isNotZero();
        assertThat(noKnownHosts.out()).contains("reconciler.gitAuth.knownHostsKey: SSH needs the server's key");
    }

    @Test
    void theChartsDefaultImageIsTheOneTheBuildMakes() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        String repository = pom.replaceAll("(?s).*<weft.image.repository>([^<]+)</weft.image.repository>.*", "$1");
        String tag = pom.replaceAll("(?s).*<weft.image.tag>([^<]+)</weft.image.tag>.*", "$1");
        assertThat(Files.readString(CHART.resolve("Chart.yaml"))).contains("appVersion: \"" + tag + "\"");
        for (Map<String, Object> workload : render().stream().filter(d -> List.of("Deployment", "DaemonSet").contains(d.get("kind"))).toList()) {
            assertThat(container(workload).get("image")).as("%s", workload.get("kind")).isEqualTo(repository + ":" + tag);
        }
    }
}
