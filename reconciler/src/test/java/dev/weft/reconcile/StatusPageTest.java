package dev.weft.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.cli.ExampleRepo;
import dev.weft.source.GitSource;
import dev.weft.source.Sources;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page at {@code /} in a real headless browser (Chromium and its driver from Debian, driven by Selenium):
 * it lists every host with its sync state and draws every tenant's networks, subnets and NICs; when a host's agent goes
 * away, the page shows it Unreachable within seconds, without a reload. Saves a screenshot (target/status-page.png).
 * Needs chromium and chromium-driver; in CI it must run.
 */
class StatusPageTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    ExampleRepo repo;
    Fleetlet fleet;
    WebDriver browser;

    @BeforeEach
    void setUp() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(DRIVER)) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IllegalStateException("CI needs Chromium and its driver (Debian packages chromium, chromium-driver)");
            }
            Assumptions.abort("needs Chromium and its driver (Debian packages chromium, chromium-driver)");
        }
        repo = new ExampleRepo(dir.resolve("repo"));
        fleet = new Fleetlet(dir.resolve("agents"));
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile()).addArguments("--headless=new", "--no-sandbox",
                "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,1400", "--user-data-dir=" + dir.resolve("chromium"));
        browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build(), options);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (fleet != null) {
            fleet.close();
        }
        if (repo != null) {
            repo.close();
        }
    }

    /**
     * What the page shows now, read in one script: the page redraws every two seconds, so an element found in one call may
     * be gone by the next.
     */
    String read(String script) {
        Object value = ((org.openqa.selenium.JavascriptExecutor) browser).executeScript(script);
        return value == null ? "" : value.toString();
    }

    String hostState(String host) {
        return read("const r = document.querySelector(\"#hosts tr[data-host='" + host + "']\"); return r ? r.dataset.state : '';");
    }

    String text(String selector) {
        return read("const e = document.querySelector(\"" + selector + "\"); return e ? e.textContent : '';");
    }

    /** The health the page shows for {@code backend} of {@code rule}, or empty. */
    String backendHealth(String rule, String backend) {
        return read("for (const r of document.querySelectorAll('#backends tbody tr')) {"
                + " if (r.cells[0].textContent === '" + rule + "' && r.cells[1].textContent === '" + backend + "') return r.cells[2].textContent; }"
                + " return '';");
    }

    String attribute(String selector, String name) {
        return read("const e = document.querySelector(\"" + selector + "\"); return e ? e.getAttribute('" + name + "') : '';");
    }

    @Test
    void thePageListsTheHostsDrawsTheNetworksAndShowsAHostGoingOutOfSyncWithinSeconds() throws Exception {
        repo.replace("tenants/tenant-a/public.yaml", "protocol: Tcp, frontendPort: 80, backendPort: 80}",
                "protocol: Tcp, frontendPort: 80, backendPort: 80, probe: tcp-80}\n  probes:\n    - {name: tcp-80, protocol: Tcp, port: 80}")
                .commit("probe the web pool");
        fleet.start("host-a", "host-b", "host-c");
        GitSource source = (GitSource) Sources.open(repo.dir().toString(), dir.resolve("cache"));
        try (Reconciler reconciler = new Reconciler(source, "main", fleet.fleet(), 1, Duration.ofMillis(500), status -> { });
             StatusServer server = new StatusServer(reconciler, Optional.empty())) {
            int port = server.start("127.0.0.1", 0);
            reconciler.start();
            browser.get("http://127.0.0.1:" + port + "/");
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .until(() -> List.of("host-a", "host-b", "host-c").stream().allMatch(h -> "Synced".equals(hostState(h))));
            assertThat(browser.getTitle()).isEqualTo("Weft status");
            assertThat(text("#revision")).isEqualTo(reconciler.status().revision().substring(0, 12));
            await().atMost(Duration.ofSeconds(10)).until(() -> !attribute("svg[data-tenant='tenant-b']", "data-tenant").isEmpty());
            assertThat(attribute("g[data-nic='tenant-a/web-1']", "data-host")).isEqualTo("host-a");
            assertThat(text("g[data-nic='tenant-a/web-1']")).contains("web-1").contains("10.1.1.4 @ host-a");
            assertThat(text("#topology")).contains("blue  (VNI 5001, 10.1.0.0/16)").contains("web  10.1.1.0/24").contains("app-1");

            fleet.agents.get("host-b").close(); // host-b's agent goes away
            fleet.unreachable("host-b");
            long lost = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> "Unreachable".equals(hostState("host-b")));
            System.out.printf("status page: host-b shown Unreachable %.1f s after its agent stopped%n", (System.nanoTime() - lost) / 1e9);
            assertThat(attribute("g[data-nic='tenant-a/web-2']", "data-state")).isEqualTo("Unreachable");
            assertThat(hostState("host-a")).isEqualTo("Synced");
            await().atMost(Duration.ofSeconds(10)).until(() -> backendHealth("tenant-a/web-lb/http", "tenant-a/web-2").equals("Unhealthy"));
            assertThat(backendHealth("tenant-a/web-lb/http", "tenant-a/web-1")).as("web-1's host is up: not judged unhealthy").isEqualTo("Healthy");
            byte[] png = ((org.openqa.selenium.TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
            Files.write(Path.of("target", "status-page.png"), png);
        }
    }
}
