package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.lb.LbSessions;
import dev.weft.fastpath.lb.ProbeTable;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.security.Conntrack;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.uplink.NatSessions;
import dev.weft.fastpath.uplink.Neighbors;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lb-probe node: a backend's answers to the host's probes judged and answered in place, never forwarded. */
class LbProbeTest {

    static final int GATEWAY = ip("10.1.1.1");
    static final int WEB1_IP = ip("10.1.1.4");

    PacketBatch batch;
    ForwardingTables tables;
    ProbeTable probes;
    Pipeline pipeline;

    @BeforeEach
    void setUp() {
        batch = new PacketBatch();
        tables = Frames.tables(1);
        probes = new ProbeTable();
        pipeline = new Pipeline(1024, new Conntrack(1024), new NatSessions(16), new Neighbors(), new LbSessions(16), probes);
    }

    @AfterEach
    void tearDown() {
        batch.close();
        tables.close();
    }

    /** A TCP segment from web-1's port 8080 to the gateway's probe port. */
    static byte[] fromBackend(int flags, int seq, int ack, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(54 + data.length);
        Frames.mac(b, ForwardingTables.ROUTER_MAC);
        Frames.mac(b, WEB1_MAC);
        b.putShort((short) 0x0800);
        Frames.ipv4(b, 40 + data.length, 6, WEB1_IP, GATEWAY);
        b.putShort((short) 8080).putShort((short) 61000).putInt(seq).putInt(ack).putShort((short) (5 << 12 | flags)).putShort((short) 65535)
                .putShort((short) 0).putShort((short) 0).put(data);
        return Checksums.withL4(b.array());
    }

    private int run(byte[] frame) {
        batch.clear();
        int i = batch.add(frame, WEB1);
        pipeline.process(batch, tables);
        return i;
    }

    @Test
    void anHttpProbeAsksForItsPathAndA200IsHealthy() {
        probes.sent(5001, WEB1_IP, 61000, new ProbeTable.Probe(ProbeTable.Kind.HTTP, "/health"));
        int i = run(fromBackend(0x12, 5000, 1001, new byte[0])); // SYN-ACK
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        byte[] request = batch.frame(i);
        assertThat(Checksums.valid(request)).isTrue();
        assertThat(u32(request, 26)).isEqualTo(GATEWAY);
        assertThat(u32(request, 38)).as("sequence: the backend's acknowledgement").isEqualTo(1001);
        assertThat(u32(request, 42)).as("acknowledges the SYN-ACK").isEqualTo(5001);
        assertThat(new String(request, 54, request.length - 54, StandardCharsets.US_ASCII)).startsWith("GET /health HTTP/1.0\r\n");
        i = run(fromBackend(0x18, 5001, 1001 + request.length - 54, "HTTP/1.0 200 OK\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.frame(i)[47] & 0x04).as("the probe ends with a RST").isEqualTo(0x04);
        assertThat(probes.take(5001, WEB1_IP, 61000)).isTrue();
    }

    @Test
    void anHttpProbeAnsweredOtherwiseOrRefusedIsUnhealthyAndTcpNeedsOnlyTheHandshake() {
        probes.sent(5001, WEB1_IP, 61000, new ProbeTable.Probe(ProbeTable.Kind.HTTP, "/"));
        run(fromBackend(0x12, 5000, 1001, new byte[0]));
        run(fromBackend(0x18, 5001, 1100, "HTTP/1.0 503 Service Unavailable\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        assertThat(probes.take(5001, WEB1_IP, 61000)).isFalse();

        probes.sent(5001, WEB1_IP, 61000, new ProbeTable.Probe(ProbeTable.Kind.TCP, "/"));
        int i = run(fromBackend(0x14, 0, 1001, new byte[0])); // RST-ACK: nothing listens
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        assertThat(probes.take(5001, WEB1_IP, 61000)).isFalse();

        probes.sent(5001, WEB1_IP, 61000, new ProbeTable.Probe(ProbeTable.Kind.TCP, "/"));
        run(fromBackend(0x12, 5000, 1001, new byte[0]));
        assertThat(probes.take(5001, WEB1_IP, 61000)).isTrue();
    }

    @Test
    void aSegmentToTheProbePortThatNoProbeWaitsForIsNotTakenAsAnAnswer() {
        int i = run(fromBackend(0x12, 5000, 1001, new byte[0]));
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        assertThat(probes.take(5001, WEB1_IP, 61000)).isNull();
    }
}
