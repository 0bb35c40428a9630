package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.node.DnsServer;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host's DNS server with reference frames: A, PTR, NXDOMAIN for another tenant's names, REFUSED outside, malformed queries dropped. */
class DnsTest {

    PacketBatch batch;
    ForwardingTables tables;
    Pipeline pipeline;

    @BeforeEach
    void setUp() {
        batch = new PacketBatch();
        TableSnapshot plain = Frames.snapshot(1);
        List<MappingEntry> mappings = new ArrayList<>();
        for (MappingEntry m : plain.mappings()) { // name every interface: web-1, db-2, web-2 in blue; app-1, data-1 in red
            String name = switch (m.vni() + "/" + m.ip()) {
                case "5001/10.1.1.4" -> "web-1";
                case "5001/10.1.2.5" -> "db-2";
                case "5001/10.1.1.5" -> "web-2";
                case "5002/10.1.1.4" -> "app-1";
                default -> "data-1";
            };
            mappings.add(new MappingEntry(m.vni(), m.ip(), m.mac(), m.providerAddress(), m.encapsulation(), name));
        }
        List<NetworkEntry> networks = List.of(
                new NetworkEntry(5001, List.of(Ipv4Prefix.parse("10.1.0.0/16")), plain.networks().get(0).subnets(), "blue.tenant-a.internal"),
                new NetworkEntry(5002, List.of(Ipv4Prefix.parse("10.1.0.0/16")), plain.networks().get(1).subnets(), "red.tenant-b.internal"));
        tables = new ForwardingTables(new TableSnapshot(1, plain.ports(), mappings, networks), HOST_A);
        pipeline = new Pipeline(64);
    }

    @AfterEach
    void tearDown() {
        batch.close();
        tables.close();
    }

    static byte[] question(String name, int type) {
        ByteArrayOutputStream q = new ByteArrayOutputStream();
        q.writeBytes(new byte[] {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0}); // id, RD, one question
        for (String label : name.split("\\.")) {
            q.write(label.length());
            q.writeBytes(label.getBytes());
        }
        q.write(0);
        q.writeBytes(new byte[] {0, (byte) type, 0, 1});
        return q.toByteArray();
    }

    /** A DNS query from web-1 (port 0) to its gateway. */
    static byte[] query(byte[] dns) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + dns.length);
        Frames.mac(b, ForwardingTables.ROUTER_MAC);
        Frames.mac(b, WEB1_MAC);
        b.putShort((short) 0x0800);
        Frames.ipv4(b, 20 + 8 + dns.length, 17, ip("10.1.1.4"), ip("10.1.1.1"));
        b.putShort((short) 40053).putShort((short) 53).putShort((short) (8 + dns.length)).putShort((short) 0);
        b.put(dns);
        return b.array();
    }

    private byte[] ask(String name, int type) {
        return answer(query(question(name, type)));
    }

    private byte[] answer(byte[] frame) {
        batch.clear();
        int i = batch.add(frame, WEB1);
        pipeline.process(batch, tables);
        return batch.verdict[i] == PacketBatch.TO_PORT ? batch.frame(i) : null;
    }

    static int rcode(byte[] f) {
        return f[45] & 0x0f;
    }

    static int answers(byte[] f) {
        return u16(f, 48);
    }

    @Test
    void anInterfaceOfTheOwnNetworkResolvesAndItsAddressResolvesBack() {
        byte[] f = ask("web-2.blue.tenant-a.internal", 1);
        assertThat(f).isNotNull();
        assertThat(mac(f, 0)).isEqualTo(WEB1_MAC);
        assertThat(u32(f, 26)).isEqualTo(ip("10.1.1.1"));
        assertThat(u32(f, 30)).isEqualTo(ip("10.1.1.4"));
        assertThat(u16(f, 34)).isEqualTo(53);
        assertThat(u16(f, 36)).isEqualTo(40053);
        assertThat(checksumOk(f, 14)).isTrue();
        assertThat(u16(f, 42)).isEqualTo(0x1234);                  // id echoed
        assertThat(f[44] & 0x84).isEqualTo(0x84);                   // QR, AA
        assertThat(rcode(f)).isZero();
        assertThat(answers(f)).isEqualTo(1);
        assertThat(u32(f, f.length - 4)).isEqualTo(ip("10.1.1.5"));
        assertThat(u16(f, 38)).isEqualTo(f.length - 34);            // UDP length

        assertThat(answers(ask("WEB-2.Blue.Tenant-A.Internal", 1))).as("names are case-insensitive").isEqualTo(1);

        byte[] ptr = ask("5.1.1.10.in-addr.arpa", 12);
        assertThat(rcode(ptr)).isZero();
        assertThat(answers(ptr)).isEqualTo(1);
        assertThat(new String(ptr, ptr.length - 30, 30)).contains("web-2").contains("blue").contains("tenant-a").contains("internal");
    }

    @Test
    void anotherTenantsNamesDontExistHereAndNamesOutsideAreRefused() {
        assertThat(rcode(ask("app-1.red.tenant-b.internal", 1))).as("tenant-b's name, same address as web-1").isEqualTo(3);
        assertThat(rcode(ask("nothing.blue.tenant-a.internal", 1))).isEqualTo(3);
        assertThat(rcode(ask("example.com", 1))).isEqualTo(5);
        assertThat(rcode(ask("9.9.1.10.in-addr.arpa", 12))).as("in the network's space, no interface").isEqualTo(3);
        assertThat(rcode(ask("8.8.8.8.in-addr.arpa", 12))).isEqualTo(5);
        byte[] aaaa = ask("web-2.blue.tenant-a.internal", 28);
        assertThat(rcode(aaaa)).isZero();
        assertThat(answers(aaaa)).as("no IPv6 record: no data").isZero();
    }

    /** A TCP segment from web-1 port 40054 to the gateway's port 53. */
    static byte[] tcp(int flags, int seq, int ack, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20 + data.length);
        Frames.mac(b, ForwardingTables.ROUTER_MAC);
        Frames.mac(b, WEB1_MAC);
        b.putShort((short) 0x0800);
        Frames.ipv4(b, 20 + 20 + data.length, 6, ip("10.1.1.4"), ip("10.1.1.1"));
        b.putShort((short) 40054).putShort((short) 53).putInt(seq).putInt(ack).putShort((short) (5 << 12 | flags)).putShort((short) 64240)
                .putInt(0);
        b.put(data);
        return b.array();
    }

    static boolean tcpChecksumOk(byte[] f) {
        int length = f.length - 34;
        long sum = 0;
        for (int k = 34; k + 1 < f.length; k += 2) {
            sum += u16(f, k);
        }
        if (length % 2 == 1) {
            sum += (f[f.length - 1] & 0xff) << 8;
        }
        sum += (u32(f, 26) >>> 16) + (u32(f, 26) & 0xffff) + (u32(f, 30) >>> 16) + (u32(f, 30) & 0xffff) + 6 + length;
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum == 0xffff;
    }

    @Test
    void overTcpAQueryIsAnsweredOnAConnectionTheHostKeepsNoStateFor() {
        byte[] synAck = answer(tcp(0x02, 1000, 0, new byte[0]));
        assertThat(synAck).isNotNull();
        assertThat(u16(synAck, 34)).isEqualTo(53);
        assertThat(u16(synAck, 36)).isEqualTo(40054);
        assertThat(synAck[47] & 0x3f).isEqualTo(0x12);                   // SYN, ACK
        assertThat(u32(synAck, 42)).isEqualTo(1001);                      // acknowledges the SYN
        assertThat(tcpChecksumOk(synAck)).isTrue();
        int isn = u32(synAck, 38);

        assertThat(answer(tcp(0x10, 1001, isn + 1, new byte[0]))).as("the handshake's ACK: nothing to say").isNull();
        byte[] question = question("web-2.blue.tenant-a.internal", 1);
        byte[] data = ByteBuffer.allocate(2 + question.length).putShort((short) question.length).put(question).array();
        byte[] f = answer(tcp(0x18, 1001, isn + 1, data));
        assertThat(f[47] & 0x3f).as("ACK, PSH, FIN: the answer, and the host's side closes").isEqualTo(0x19);
        assertThat(u32(f, 38)).isEqualTo(isn + 1);
        assertThat(u32(f, 42)).isEqualTo(1001 + data.length);
        assertThat(tcpChecksumOk(f)).isTrue();
        assertThat(u16(f, 54)).isEqualTo(f.length - 56);                  // the DNS message's length prefix
        assertThat(u32(f, f.length - 4)).isEqualTo(ip("10.1.1.5"));

        byte[] finAck = answer(tcp(0x11, 1001 + data.length, isn + 2 + (f.length - 54), new byte[0]));
        assertThat(finAck[47] & 0x3f).isEqualTo(0x10);
        assertThat(u32(finAck, 42)).isEqualTo(1001 + data.length + 1);

        byte[] stray = answer(tcp(0x18, 5, 12345, data));
        assertThat(stray[47] & 0x3f).as("not a connection of the host's").isEqualTo(0x04);
    }

    @Test
    void malformedQueriesAreDroppedAndCounted() {
        byte[] pointer = question("web-2.blue.tenant-a.internal", 1);
        pointer[12] = (byte) 0xc0; // a compression pointer in the question
        pointer[13] = 12;
        assertThat(answer(query(pointer))).isNull();
        byte[] truncated = java.util.Arrays.copyOf(question("web-2.blue.tenant-a.internal", 1), 20);
        assertThat(answer(query(truncated))).isNull();
        byte[] oversized = question("a".repeat(64) + ".internal", 1);
        assertThat(answer(query(oversized))).isNull();
        byte[] response = question("web-2.blue.tenant-a.internal", 1);
        response[2] |= (byte) 0x80; // a response, not a query
        assertThat(answer(query(response))).isNull();
        assertThat(pipeline.counters().drops(DnsServer.NAME, DropReason.BAD_DNS)).isEqualTo(4);
    }
}
