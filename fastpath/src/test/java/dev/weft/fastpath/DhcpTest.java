package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.node.DhcpServer;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The host's DHCP server with reference frames: every message of an exchange, checked field by field. */
class DhcpTest {

    PacketBatch batch;
    ForwardingTables tables;
    Pipeline pipeline;

    @BeforeEach
    void setUp() {
        batch = new PacketBatch();
        TableSnapshot plain = Frames.snapshot(1);
        List<PortEntry> ports = new ArrayList<>(plain.ports());
        PortEntry web1 = ports.get(WEB1);
        ports.set(WEB1, new PortEntry(web1.name(), web1.vni(), web1.mac(), web1.ip(), web1.subnet(), web1.gateway(), null,
                new PortEntry.Dhcp("blue.tenant-a.internal", List.of(Ipv4.parse("10.1.0.53"), Ipv4.parse("10.1.0.54")), 1450)));
        tables = new ForwardingTables(new TableSnapshot(1, ports, plain.mappings(), plain.networks()), HOST_A);
        pipeline = new Pipeline(64);
    }

    @AfterEach
    void tearDown() {
        batch.close();
        tables.close();
    }

    /** A DHCP client's message: Ethernet broadcast, IPv4 {@code src} → {@code dst}, UDP 68 → 67, BOOTREQUEST, then the options. */
    static byte[] dhcp(long mac, int src, int dst, int ciaddr, int flags, byte[] options) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 240 + options.length);
        b.putShort((short) 0xffff).putInt(0xffff_ffff);
        Frames.mac(b, mac);
        b.putShort((short) 0x0800);
        Frames.ipv4(b, 20 + 8 + 240 + options.length, 17, src, dst);
        b.putShort((short) 68).putShort((short) 67).putShort((short) (8 + 240 + options.length)).putShort((short) 0);
        b.put((byte) 1).put((byte) 1).put((byte) 6).put((byte) 0).putInt(0x1234_5678).putShort((short) 0).putShort((short) flags);
        b.putInt(ciaddr).putInt(0).putInt(0).putInt(0);
        Frames.mac(b, mac);
        b.position(b.position() + 10 + 64 + 128);
        b.putInt(0x6382_5363);
        b.put(options);
        return b.array();
    }

    static byte[] options(int type, int... more) {
        ByteBuffer b = ByteBuffer.allocate(64);
        b.put((byte) 53).put((byte) 1).put((byte) type);
        for (int k = 0; k + 1 < more.length; k += 2) { // pairs: code, IPv4 value
            b.put((byte) more[k]).put((byte) 4).putInt(more[k + 1]);
        }
        b.put((byte) 255);
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    private int run(byte[] frame, int port) {
        batch.clear();
        int i = batch.add(frame, port);
        pipeline.process(batch, tables);
        return i;
    }

    /** The options of a reply, by code. */
    static Map<Integer, byte[]> replyOptions(byte[] f) {
        Map<Integer, byte[]> options = new HashMap<>();
        for (int o = 14 + 20 + 8 + 240; o < f.length && (f[o] & 0xff) != 255; ) {
            if (f[o] == 0) {
                o++;
                continue;
            }
            int length = f[o + 1] & 0xff;
            options.put(f[o] & 0xff, java.util.Arrays.copyOfRange(f, o + 2, o + 2 + length));
            o += 2 + length;
        }
        return options;
    }

    static int int32(byte[] value) {
        return ByteBuffer.wrap(value).getInt();
    }

    @Test
    void discoverGetsAnOfferOfThePortsOwnAddressWithEveryOption() {
        int i = run(dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0, options(1)), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(WEB1);
        byte[] f = batch.frame(i);
        assertThat(mac(f, 0)).isEqualTo(WEB1_MAC);
        assertThat(mac(f, 6)).isEqualTo(ForwardingTables.ROUTER_MAC);
        assertThat(checksumOk(f, 14)).isTrue();
        assertThat(u32(f, 26)).isEqualTo(ip("10.1.1.1"));                  // from the gateway
        assertThat(u32(f, 30)).isEqualTo(ip("10.1.1.4"));                  // to the offered address (no broadcast flag)
        assertThat(u16(f, 34)).isEqualTo(67);
        assertThat(u16(f, 36)).isEqualTo(68);
        assertThat(u16(f, 38)).isEqualTo(f.length - 34);
        assertThat(f[42]).isEqualTo((byte) 2);                             // BOOTREPLY
        assertThat(u32(f, 46)).isEqualTo(0x1234_5678);                     // xid echoed
        assertThat(u32(f, 58)).isEqualTo(ip("10.1.1.4"));                  // yiaddr
        assertThat(mac(f, 70)).isEqualTo(WEB1_MAC);                        // chaddr
        assertThat(u32(f, 278)).isEqualTo(0x6382_5363);
        assertThat(f.length - 42).isGreaterThanOrEqualTo(300);
        Map<Integer, byte[]> o = replyOptions(f);
        assertThat(o.get(53)).containsExactly(2);                          // DHCPOFFER
        assertThat(int32(o.get(54))).isEqualTo(ip("10.1.1.1"));            // server identifier
        assertThat(int32(o.get(51))).isEqualTo(DhcpServer.LEASE_SECONDS);
        assertThat(int32(o.get(1))).isEqualTo(ip("255.255.255.0"));
        assertThat(int32(o.get(3))).isEqualTo(ip("10.1.1.1"));
        assertThat(o.get(6)).hasSize(8);
        assertThat(int32(java.util.Arrays.copyOfRange(o.get(6), 4, 8))).isEqualTo(ip("10.1.0.54"));
        assertThat(new String(o.get(15))).isEqualTo("blue.tenant-a.internal");
        assertThat(o.get(119)).containsExactly(4, 'b', 'l', 'u', 'e', 8, 't', 'e', 'n', 'a', 'n', 't', '-', 'a', 8, 'i', 'n', 't', 'e', 'r', 'n', 'a', 'l', 0);
        assertThat(u16(o.get(26), 0)).isEqualTo(1450);
    }

    @Test
    void requestForTheOwnAddressIsAckedAndForAnyOtherNaked() {
        byte[] ack = batch.frame(run(dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0x8000, options(3, 50, ip("10.1.1.4"), 54, ip("10.1.1.1"))), WEB1));
        assertThat(replyOptions(ack).get(53)).containsExactly(5);          // DHCPACK
        assertThat(u32(ack, 30)).as("broadcast flag").isEqualTo(0xffff_ffff);
        assertThat(u32(ack, 58)).isEqualTo(ip("10.1.1.4"));

        byte[] nak = batch.frame(run(dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0, options(3, 50, ip("10.1.1.9"))), WEB1));
        assertThat(replyOptions(nak).get(53)).containsExactly(6);          // DHCPNAK
        assertThat(u32(nak, 58)).isZero();
        assertThat(replyOptions(nak)).doesNotContainKeys(51, 1, 3);

        int other = run(dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0, options(3, 50, ip("10.1.1.4"), 54, ip("10.9.9.9"))), WEB1);
        assertThat(batch.verdict[other]).as("a request to another server").isEqualTo(PacketBatch.DROP);
    }

    @Test
    void informIsAnsweredWithOptionsOnlyAndReleaseIsTakenSilently() {
        byte[] inform = batch.frame(run(dhcp(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.1"), ip("10.1.1.4"), 0, options(8)), WEB1));
        assertThat(replyOptions(inform).get(53)).containsExactly(5);
        assertThat(replyOptions(inform)).doesNotContainKey(51).containsKey(3);
        assertThat(u32(inform, 30)).isEqualTo(ip("10.1.1.4"));           // to ciaddr
        assertThat(u32(inform, 58)).isZero();

        assertThat(batch.verdict[run(dhcp(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.1"), ip("10.1.1.4"), 0, options(7)), WEB1)])
                .isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.DHCP_NO_REPLY)).isEqualTo(1);
    }

    @Test
    void dhcpIsOnlyForTheVmsOwnMacAndNeverLeavesTheHost() {
        assertThat(batch.verdict[run(dhcp(WEB2_MAC, 0, 0xffff_ffff, 0, 0, options(1)), WEB1)]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.SPOOFED_SOURCE)).isEqualTo(1);
        // addressed to another host's VM: still the host's to answer, never encapsulated
        int i = run(dhcp(WEB1_MAC, ip("10.1.1.4"), ip("10.1.1.5"), ip("10.1.1.4"), 0, options(8)), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(pipeline.counters().encapsulated()).isZero();
    }

    @Test
    void malformedDhcpIsDroppedAndCounted() {
        byte[] overload = options(1);
        byte[] withOverload = java.util.Arrays.copyOf(overload, overload.length + 3);
        System.arraycopy(new byte[] {52, 1, 3}, 0, withOverload, overload.length - 1, 3);
        withOverload[withOverload.length - 1] = (byte) 255;
        run(dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0, withOverload), WEB1);
        run(dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0, new byte[] {53, 1, 1, 12, 40, 'x'}), WEB1);   // an option longer than the message
        byte[] noCookie = dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0, options(1));
        noCookie[14 + 20 + 8 + 236] = 0;
        run(noCookie, WEB1);
        run(dhcp(WEB1_MAC, 0, 0xffff_ffff, 0, 0, options(2)), WEB1);                         // an OFFER from a VM
        assertThat(pipeline.counters().drops(DhcpServer.NAME, DropReason.BAD_DHCP)).isEqualTo(4);
    }
}
