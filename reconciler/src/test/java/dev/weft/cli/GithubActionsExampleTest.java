package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * docs/examples/github-actions-plan.yaml, run for real so the example can't rot: its shell steps with bash, as a runner
 * would (GITHUB_OUTPUT, GITHUB_PATH, RUNNER_TEMP, the pull request's base and head SHAs), against a local manifest
 * repository, with weft cloned from this checkout instead of GitHub; its github-script step with node, against a
 * stand-in for GitHub's API that records the comments it creates and updates. A pull request that changes the network
 * gets the plan; one that breaks a manifest gets the errors and fails. Needs node (Debian package nodejs); in CI it must run.
 */
class GithubActionsExampleTest {

    static final Path EXAMPLE = Path.of("..", "docs", "examples", "github-actions-plan.yaml");
    static final Path CHECKOUT = Path.of("..").toAbsolutePath().normalize();

    @TempDir
    Path dir;

    record Step(String name, String run, String script, String condition) {
    }

    @SuppressWarnings("unchecked")
    static List<Step> steps() throws Exception {
        Map<String, Object> workflow = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(EXAMPLE));
        Map<String, Object> job = (Map<String, Object>) ((Map<String, Object>) workflow.get("jobs")).get("plan");
        List<Step> steps = new ArrayList<>();
        for (Map<String, Object> s : (List<Map<String, Object>>) job.get("steps")) {
            Map<String, Object> with = (Map<String, Object>) s.getOrDefault("with", Map.of());
            steps.add(new Step((String) s.getOrDefault("name", s.get("uses")), (String) s.get("run"),
                    "actions/github-script@v7".equals(s.get("uses")) ? (String) with.get("script") : null, (String) s.get("if")));
        }
        return steps;
    }

    /** What the workflow did: each step's exit code, the step outputs, the comment calls, plan.md. */
    record Run(Map<String, Integer> exits, Map<String, String> outputs, String calls, String plan) {
    }

    private int runs;

    Run run(ExampleRepo repo, String base, String head, String existingComments) throws Exception {
        Path temp = Files.createDirectories(dir.resolve("runner-temp-" + ++runs)); // a fresh runner each time
        Path outputFile = temp.resolve("github-output");
        Path pathFile = temp.resolve("github-path");
        Files.createFile(outputFile);
        Files.createFile(pathFile);
        Map<String, Integer> exits = new LinkedHashMap<>();
        Map<String, String> outputs = new LinkedHashMap<>();
        String calls = "";
        for (Step step : steps()) {
            if (step.condition() != null) {
                String[] parts = step.condition().split(" == ");
                String output = parts[0].trim().replace("steps.plan.outputs.", "");
                if (!parts[1].trim().replace("'", "").equals(outputs.get(output))) {
                    continue;
                }
            }
            if (step.run() != null) {
                String script = step.run().replace("${{ github.event.pull_request.base.sha }}", base)
                        .replace("${{ github.event.pull_request.head.sha }}", head)
                        .replace("https://github.com/your-org/weft", "file://" + CHECKOUT); // this checkout, not GitHub
                List<String> path = Files.readAllLines(pathFile);
                ProcessBuilder pb = new ProcessBuilder("bash", "-e", "-c", script).directory(repo.dir().toFile()).redirectErrorStream(true);
                pb.environment().put("GITHUB_OUTPUT", outputFile.toString());
                pb.environment().put("GITHUB_PATH", pathFile.toString());
                pb.environment().put("RUNNER_TEMP", temp.toString());
                pb.environment().put("PATH", String.join(":", path.reversed()) + (path.isEmpty() ? "" : ":") + System.getenv("PATH"));
                Process p = pb.start();
                String log = new String(p.getInputStream().readAllBytes());
                assertThat(p.waitFor(10, TimeUnit.MINUTES)).isTrue();
                exits.put(step.name(), p.exitValue());
                assertThat(log).as("step %s", step.name()).doesNotContain("command not found");
                if (step.name().equals("Get weft")) { // the clone's launcher would build weft; this checkout's build serves it
                    Path jar = CHECKOUT.resolve("reconciler/target/weft.jar");
                    if (Files.exists(jar)) {
                        Files.createDirectories(temp.resolve("weft/reconciler/target"));
                        Files.copy(jar, temp.resolve("weft/reconciler/target/weft.jar"), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
                for (String line : Files.readAllLines(outputFile)) {
                    String[] kv = line.split("=", 2);
                    outputs.put(kv[0], kv[1]);
                }
            } else if (step.script() != null) {
                Path harness = temp.resolve("github-script.js");
                Files.writeString(harness, """
                        const calls = [];
                        const github = {
                          paginate: async (method, args) => %s,
                          rest: {issues: {
                            listComments: 'listComments',
                            createComment: async (a) => calls.push(['create', a.issue_number, a.body]),
                            updateComment: async (a) => calls.push(['update', a.comment_id, a.body])}}};
                        const context = {repo: {owner: 'acme', repo: 'network'}, issue: {number: 42}};
                        (async () => {
                        %s
                        })().then(() => console.log(JSON.stringify(calls)), e => { console.error(e); process.exit(1); });
                        """.formatted(existingComments, step.script()));
                Process p = new ProcessBuilder("node", harness.toString()).directory(repo.dir().toFile()).redirectErrorStream(true).start();
                calls = new String(p.getInputStream().readAllBytes());
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                exits.put(step.name(), p.exitValue());
            }
        }
        Path plan = repo.dir().resolve("plan.md");
        return new Run(exits, outputs, calls, Files.exists(plan) ? Files.readString(plan) : "");
    }

    static boolean hasNode() throws Exception {
        return new ProcessBuilder("sh", "-c", "command -v node").start().waitFor() == 0;
    }

    @Test
    void aPullRequestGetsItsPlanAsOneCommentAndABrokenOneGetsItsErrorsAndFails() throws Exception {
        if (!hasNode()) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI needs node (Debian package nodejs) for the github-script step");
            }
            Assumptions.abort("node is not installed (Debian package nodejs)");
        }
        try (ExampleRepo repo = new ExampleRepo(dir.resolve("manifests"))) {
            String base = repo.git().getRepository().resolve("HEAD").name();
            String head = repo.replace("tenants/tenant-a/nics.yaml", "  host: host-b\n", "  host: host-c\n").commit("move web-2").name();
            Files.writeString(repo.dir().resolve(".gitignore"), "plan.md\nerrors.txt\n");

            Run first = run(repo, base, head, "[]");
            assertThat(first.exits()).containsEntry("Get weft", 0).containsEntry("Plan", 0).containsEntry("Comment", 0)
                    .doesNotContainKey("Fail on invalid manifests");
            assertThat(first.outputs()).containsEntry("code", "2");
            assertThat(first.plan()).startsWith("<!-- weft-plan -->\n### Weft plan: `" + base.substring(0, 12) + "` → `" + head.substring(0, 12) + "`")
                    .contains("! NetworkInterface tenant-a/web-2").contains("host: host-b → host-c").contains("```mermaid");
            assertThat(first.calls()).as("no comment yet: one is created on the pull request")
                    .startsWith("[[\"create\",42,\"<!-- weft-plan -->\\n### Weft plan:");

            Run again = run(repo, base, head, "[{\"id\": 7, \"body\": \"lgtm\"}, {\"id\": 9, \"body\": \"<!-- weft-plan -->\\nold plan\"}]");
            assertThat(again.calls()).as("the bot's own comment is updated in place").startsWith("[[\"update\",9,\"<!-- weft-plan -->");

            String broken = repo.replace("tenants/tenant-a/nics.yaml", "  ipAddress: 10.1.1.4\n", "  ipAddress: 10.1.1.400\n").commit("typo").name();
            Run failing = run(repo, base, broken, "[]");
            assertThat(failing.outputs()).containsEntry("code", "1");
            assertThat(failing.plan()).startsWith("<!-- weft-plan -->\n### Weft plan failed").contains("tenants/tenant-a/nics.yaml:").contains("ipAddress");
            assertThat(failing.calls()).contains("Weft plan failed");
            assertThat(failing.exits()).as("the check fails").containsEntry("Fail on invalid manifests", 1);
        }
    }
}
