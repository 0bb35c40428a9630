package dev.weft.agent.dataplane;

import dev.weft.fastpath.security.AuditSink;
import dev.weft.fastpath.security.Conntrack;
import dev.weft.net.Ipv4;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agent's flow log for security rules with {@code logging: Enabled}: JSON lines, one file per hour
 * ({@code audit/flows-YYYYMMDDHH.jsonl} in the state directory), fields after Azure NSG flow logs. Workers
 * hand records over through a bounded queue (a full queue drops and counts); one thread writes them.
 */
public final class AuditLog implements AuditSink, AutoCloseable {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AuditLog.class);

    private static final DateTimeFormatter HOUR = DateTimeFormatter.ofPattern("yyyyMMddHH").withZone(ZoneOffset.UTC);
    private static final String[] PROTOCOLS = new String[256];

    static {
        PROTOCOLS[1] = "ICMP";
        PROTOCOLS[6] = "TCP";
        PROTOCOLS[17] = "UDP";
    }

    private final Path dir;
    private final BlockingQueue<JsonObject> queue = new ArrayBlockingQueue<>(65536);
    private final Thread writer;
    public final AtomicLong dropped = new AtomicLong();
    public final AtomicLong written = new AtomicLong();
    private volatile boolean running = true;

    public AuditLog(Path dir) throws IOException {
        this.dir = dir;
        Files.createDirectories(dir);
        this.writer = Thread.ofPlatform().name("weft-audit").daemon(true).start(this::write);
    }

    @Override
    public void flow(boolean begin, String port, int direction, String group, String rule, boolean allowed, int protocol, int src,
                     int srcPort, int dst, int dstPort) {
        JsonObject record = new JsonObject()
                .put("time", Instant.now().toString())
                .put("flow", begin ? "begin" : "end")
                .put("port", port)
                .put("rule", rule)
                .put("group", group)
                .put("direction", direction == Conntrack.INBOUND ? "Inbound" : "Outbound")
                .put("action", allowed ? "Allow" : "Deny")
                .put("protocol", PROTOCOLS[protocol & 0xff] != null ? PROTOCOLS[protocol & 0xff] : Integer.toString(protocol))
                .put("sourceAddress", new Ipv4(src).toString()).put("sourcePort", srcPort)
                .put("destinationAddress", new Ipv4(dst).toString()).put("destinationPort", dstPort);
        if (!queue.offer(record)) {
            dropped.incrementAndGet();
        }
    }

    private void write() {
        while (running || !queue.isEmpty()) {
            try {
                JsonObject record = queue.poll(200, TimeUnit.MILLISECONDS);
                if (record == null) {
                    continue;
                }
                Path file = dir.resolve("flows-" + HOUR.format(Instant.parse(record.getString("time"))) + ".jsonl");
                try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    out.write(record.encode());
                    out.write('\n');
                    written.incrementAndGet();
                    for (JsonObject more = queue.poll(); more != null; more = queue.poll()) {
                        out.write(more.encode());
                        out.write('\n');
                        written.incrementAndGet();
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (IOException e) {
                dropped.incrementAndGet();
                log.warn("cannot write the audit log in {}: {}", dir, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        try {
            writer.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
