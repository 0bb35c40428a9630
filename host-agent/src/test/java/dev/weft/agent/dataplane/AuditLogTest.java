package dev.weft.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.weft.fastpath.security.Conntrack;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A tenant can't fill the host's disk through the flow log. */
class AuditLogTest {

    @TempDir
    Path dir;

    private static final int SRC = 0x0a010105;
    private static final int DST = 0x0a010104;

    private long totalBytes() throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            return files.mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void aDeniedFlowFloodingPacketsWritesOneRecordPerInterval() throws Exception {
        try (AuditLog audit = new AuditLog(dir)) {
            for (int packet = 0; packet < 100_000; packet++) { // a denied flow is decided again for every packet
                audit.flow(true, "tenant-a/web-1", Conntrack.INBOUND, "tenant-a/web-nsg", "deny-ssh", false, 6, SRC, 40000, DST, 22);
            }
            audit.flow(true, "tenant-a/web-1", Conntrack.INBOUND, "tenant-a/web-nsg", "deny-ssh", false, 6, SRC, 40001, DST, 22);
            await().atMost(Duration.ofSeconds(5)).until(() -> audit.written.get() == 2);
            assertThat(audit.suppressed.get()).isEqualTo(99_999);
        }
    }

    @Test
    void theFilesStayUnderTheCapAndOldHoursExpire() throws Exception {
        Files.writeString(dir.resolve("flows-2020010100.jsonl"), "{\"old\":true}\n"); // older than the retention
        String twoHoursAgo = "flows-" + java.time.format.DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(java.time.ZoneOffset.UTC)
                .format(java.time.Instant.now().minus(Duration.ofHours(2))) + ".jsonl";
        Files.writeString(dir.resolve(twoHoursAgo), "x".repeat(30_000) + "\n"); // an earlier hour that alone is over the cap
        try (AuditLog audit = new AuditLog(dir, 20_000, Duration.ofDays(7), Duration.ofMinutes(1))) {
            assertThat(dir.resolve("flows-2020010100.jsonl")).doesNotExist();
            for (int flow = 0; flow < 1_000; flow++) { // distinct flows: none suppressed, about 250 bytes each
                audit.flow(true, "tenant-a/web-1", Conntrack.INBOUND, "tenant-a/web-nsg", "deny-ssh", false, 6, SRC, 1024 + flow, DST, 22);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> audit.written.get() + audit.dropped.get() == 1_000);
            assertThat(dir.resolve(twoHoursAgo)).as("the oldest hour goes first").doesNotExist();
            assertThat(totalBytes()).isLessThanOrEqualTo(20_000);
            assertThat(audit.dropped.get()).as("the current hour alone at the cap: dropped and counted").isPositive();
            assertThat(audit.written.get()).isPositive();
        }
    }
}
