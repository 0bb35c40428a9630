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
 *
 * <p>A tenant must not be able to fill the host's disk with it: a flow's records are limited to one per
 * {@code perFlow} interval (denied flows are decided packet by packet, so a flood would otherwise write a
 * record per packet; the rest are counted as suppressed); the files together stay under {@code maxBytes}
 * (the oldest hours are deleted first, and records are dropped and counted when the current hour alone
 * reaches it); files older than {@code retention} are deleted.
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
    /** Records not written because their flow had one within the per-flow interval. */
    public final AtomicLong suppressed = new AtomicLong();
    /** Files deleted to stay within the size cap or the retention. */
    public final AtomicLong deleted = new AtomicLong();
    private volatile boolean running = true;
    private final long maxBytes;
    private final java.time.Duration retention;
    private final long perFlowNanos;
    /** Per-flow rate limit, approximate and lock-free: a flow's hash and the time of its last record, by slot. */
    private static final int FLOW_SLOTS = 1 << 16;
    private final java.util.concurrent.atomic.AtomicLongArray flowKeys = new java.util.concurrent.atomic.AtomicLongArray(FLOW_SLOTS);
    private final java.util.concurrent.atomic.AtomicLongArray flowTimes = new java.util.concurrent.atomic.AtomicLongArray(FLOW_SLOTS);
    private long bytes; // written by the writer thread only
    private String currentFile = "";

    /** Defaults: 256 MiB in all, 7 days, one record per flow per minute. */
    public AuditLog(Path dir) throws IOException {
        this(dir, 256L * 1024 * 1024, java.time.Duration.ofDays(7), java.time.Duration.ofMinutes(1));
    }

    public AuditLog(Path dir, long maxBytes, java.time.Duration retention, java.time.Duration perFlow) throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.retention = retention;
        this.perFlowNanos = perFlow.toNanos();
        Files.createDirectories(dir);
        this.bytes = prune(Instant.now());
        this.writer = Thread.ofPlatform().name("weft-audit").daemon(true).start(this::write);
    }

    /** Whether this flow may have a record now: at most one per flow per interval. */
    private boolean admit(String port, String rule, boolean begin, int protocol, int src, int srcPort, int dst, int dstPort) {
        long key = (((long) port.hashCode() * 31 + rule.hashCode()) * 31 + (begin ? 1 : 2)) * 0x9E3779B97F4A7C15L
                ^ ((long) src << 32 | (dst & 0xffffffffL)) * 0xC2B2AE3D27D4EB4FL ^ ((long) protocol << 32 | srcPort << 16 | dstPort);
        key |= 1; // 0 marks an empty slot
        int slot = (int) (key ^ (key >>> 32)) & (FLOW_SLOTS - 1);
        long now = System.nanoTime();
        if (flowKeys.get(slot) == key && now - flowTimes.get(slot) < perFlowNanos) {
            return false;
        }
        flowKeys.set(slot, key);
        flowTimes.set(slot, now);
        return true;
    }

    /** Deletes files past the retention, then the oldest while over the cap (never the current hour's); returns the bytes kept. */
    private long prune(Instant now) throws IOException {
        java.util.List<Path> files;
        try (java.util.stream.Stream<Path> list = Files.list(dir)) {
            files = list.filter(f -> f.getFileName().toString().matches("flows-\\d{10}\\.jsonl")).sorted().toList();
        }
        String oldest = "flows-" + HOUR.format(now.minus(retention)) + ".jsonl";
        long total = 0;
        java.util.List<Path> kept = new java.util.ArrayList<>();
        for (Path file : files) {
            if (file.getFileName().toString().compareTo(oldest) < 0) {
                Files.deleteIfExists(file);
                deleted.incrementAndGet();
            } else {
                kept.add(file);
                total += Files.size(file);
            }
        }
        for (int i = 0; total > maxBytes && i < kept.size(); i++) {
            if (kept.get(i).getFileName().toString().equals(currentFile)) {
                continue; // the hour being written stays
            }
            total -= Files.size(kept.get(i));
            Files.deleteIfExists(kept.get(i));
            deleted.incrementAndGet();
        }
        return total;
    }

    @Override
    public void flow(boolean begin, String port, int direction, String group, String rule, boolean allowed, int protocol, int src,
                     int srcPort, int dst, int dstPort) {
        if (!admit(port, rule, begin, protocol, src, srcPort, dst, dstPort)) {
            suppressed.incrementAndGet();
            return;
        }
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
                String name = "flows-" + HOUR.format(Instant.parse(record.getString("time"))) + ".jsonl";
                if (!name.equals(currentFile)) { // a new hour: rotate, and delete what is too old or too much
                    currentFile = name;
                    bytes = prune(Instant.now());
                }
                Path file = dir.resolve(name);
                try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
                    for (JsonObject next = record; next != null; next = queue.poll()) {
                        String line = next.encode() + "\n";
                        if (bytes + line.length() > maxBytes) {
                            out.flush(); // so the sizes on disk are what was written
                            bytes = prune(Instant.now());
                            if (bytes + line.length() > maxBytes) {
                                dropped.incrementAndGet(); // the current hour alone is at the cap
                                continue;
                            }
                        }
                        out.write(line);
                        bytes += line.length();
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
