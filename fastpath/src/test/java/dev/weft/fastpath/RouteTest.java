package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.HOST_A;
import static dev.weft.fastpath.Frames.HOST_B;
import static dev.weft.fastpath.Frames.ip;
import static dev.weft.fastpath.Frames.mac;
import static dev.weft.fastpath.Frames.ping;
import static dev.weft.fastpath.Frames.udp;
import static dev.weft.fastpath.Frames.vxlan;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.Route;
import dev.weft.fastpath.table.Routes;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Route tables on host-a: subnet db (db-2 here) has user routes to subnet web through appliance fw-1 (here, IP forwarding on),
 * to 10.1.1.5 through appliance fw-2 (on host-b), and a blackhole; subnet web has no table.
 */
class RouteTest {

    static final long DB2_MAC = 0x0200_0a01_0205L, FW1_MAC = 0x0200_0a01_0304L, WEB1_MAC = 0x0200_0a01_0104L, FW2_MAC = 0x0200_0a01_0305L;
    static final long WEB2_MAC = 0x0200_0a01_0105L;
    static final int DB2 = 0, FW1 = 1, WEB1 = 2;

    PacketBatch batch;
    ForwardingTables tables;
    Pipeline pipeline;

    @BeforeEach
    void setUp() {
        tables = tables(false);
        batch = new PacketBatch();
        pipeline = new Pipeline(4096);
    }

    /** @param allowForwarded whether peer green (10.3.0.0/16, VNI 5003; green-1 10.3.1.4 on host-b) takes forwarded traffic */
    static ForwardingTables tables(boolean allowForwarded) {
        Ipv4Prefix web = Ipv4Prefix.parse("10.1.1.0/24"), db = Ipv4Prefix.parse("10.1.2.0/24"), fw = Ipv4Prefix.parse("10.1.3.0/24");
        List<PortEntry> ports = List.of(
                new PortEntry("tenant-a/db-2", 5001, new MacAddress(DB2_MAC), Ipv4.parse("10.1.2.5"), db, Ipv4.parse("10.1.2.1")),
                new PortEntry("tenant-a/fw-1", 5001, new MacAddress(FW1_MAC), Ipv4.parse("10.1.3.4"), fw, Ipv4.parse("10.1.3.1"), null,
                        PortEntry.Dhcp.DEFAULT, true),
                new PortEntry("tenant-a/web-1", 5001, new MacAddress(WEB1_MAC), Ipv4.parse("10.1.1.4"), web, Ipv4.parse("10.1.1.1")));
        MappingEntry.Encapsulation vxlan = MappingEntry.Encapsulation.VXLAN;
        List<MappingEntry> mappings = List.of(
                new MappingEntry(5001, Ipv4.parse("10.1.2.5"), new MacAddress(DB2_MAC), new Ipv4(HOST_A), vxlan),
                new MappingEntry(5001, Ipv4.parse("10.1.3.4"), new MacAddress(FW1_MAC), new Ipv4(HOST_A), vxlan),
                new MappingEntry(5001, Ipv4.parse("10.1.1.4"), new MacAddress(WEB1_MAC), new Ipv4(HOST_A), vxlan),
                new MappingEntry(5001, Ipv4.parse("10.1.1.5"), new MacAddress(WEB2_MAC), new Ipv4(HOST_B), vxlan),
                new MappingEntry(5001, Ipv4.parse("10.1.3.5"), new MacAddress(FW2_MAC), new Ipv4(HOST_B), vxlan),
                new MappingEntry(5003, Ipv4.parse("10.3.1.4"), new MacAddress(0x0203_0a03_0104L), new Ipv4(HOST_B), vxlan));
        List<Route> routes = List.of(
                Route.user("via-fw/web", web, Route.NextHop.VIRTUAL_APPLIANCE, Ipv4.parse("10.1.3.4")),
                Route.user("via-fw/web-2", Ipv4Prefix.parse("10.1.1.5/32"), Route.NextHop.VIRTUAL_APPLIANCE, Ipv4.parse("10.1.3.5")),
                Route.user("via-fw/blackhole", Ipv4Prefix.parse("10.1.9.0/24"), Route.NextHop.NONE, null));
        NetworkEntry network = new NetworkEntry(5001, List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(web, db, fw), null,
                List.of(new NetworkEntry.Peer(5003, List.of(Ipv4Prefix.parse("10.3.0.0/16")), allowForwarded)), Map.of(db, routes));
        return new ForwardingTables(new TableSnapshot(1, ports, mappings, List.of(network)), HOST_A);
    }

    @AfterEach
    void tearDown() {
        batch.close();
        tables.close();
    }

    private int run(byte[] frame, int inPort) {
        batch.clear();
        int i = batch.add(frame, inPort);
        batch.underlaySource[i] = HOST_B;
        pipeline.process(batch, tables);
        return i;
    }

    @Test
    void aUserRouteSendsThePacketToTheApplianceWithItsAddressesUnchanged() {
        int i = run(ping(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.1.1.4"), 7), DB2);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).as("fw-1, not web-1").isEqualTo(FW1);
        byte[] f = batch.frame(i);
        assertThat(mac(f, 0)).isEqualTo(FW1_MAC);
        assertThat(Frames.u32(f, 26)).isEqualTo(ip("10.1.2.5"));
        assertThat(Frames.u32(f, 30)).as("the destination stays web-1's").isEqualTo(ip("10.1.1.4"));
        assertThat(f[22] & 0xff).isEqualTo(63);
    }

    @Test
    void anApplianceOnAnotherHostGetsThePacketOverTheUnderlayAddressedToItsMac() {
        int i = run(ping(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.1.1.5"), 7), DB2);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(batch.outAddress[i]).isEqualTo(HOST_B);
        assertThat(batch.nextHopMac[i]).as("the /32 route, longer than the /24: fw-2").isEqualTo(FW2_MAC);
    }

    @Test
    void aNoneRouteDropsAndCounts() {
        int i = run(ping(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.1.9.9"), 7), DB2);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.ROUTE_NONE)).isEqualTo(1);
    }

    @Test
    void aSubnetWithoutATableIsRoutedDirectly() {
        int i = run(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7), WEB1);
        assertThat(batch.outPort[i]).isEqualTo(DB2);
    }

    @Test
    void aPacketTheApplianceForwardsWhoseTtlRunsOutGetsItsTimeExceededThroughTheAppliance() {
        int i = run(dev.weft.fastpath.trace.Probe.ttl(ping(FW1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.1.1.4"), 7), 1), FW1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).as("back the way it came: the appliance routes it on").isEqualTo(FW1);
        byte[] error = batch.frame(i);
        assertThat(mac(error, 0)).isEqualTo(FW1_MAC);
        assertThat(Frames.u32(error, 26)).as("from the appliance's gateway").isEqualTo(ip("10.1.3.1"));
        assertThat(Frames.u32(error, 30)).as("to the packet's source").isEqualTo(ip("10.1.2.5"));
        assertThat(error[34]).isEqualTo((byte) 11);
        i = run(dev.weft.fastpath.trace.Probe.ttl(ping(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.1.1.4"), 7), 1), DB2);
        assertThat(batch.outPort[i]).as("a port's own packet: back to it").isEqualTo(DB2);
    }

    @Test
    void theApplianceForwardsOthersPacketsButNoOtherPortMaySpoof() {
        int i = run(ping(FW1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.1.1.4"), 7), FW1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(WEB1);
        i = run(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.9"), ip("10.1.2.5"), 7), WEB1);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        i = run(ping(DB2_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.9"), ip("10.1.1.4"), 7), DB2);
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        i = run(ping(WEB1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.1.4"), ip("10.1.2.5"), 7), FW1); // its own MAC only
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.SPOOFED_SOURCE)).isEqualTo(3);
    }

    @Test
    void fromTheUnderlayAFrameAddressedToTheAppliancesMacReachesIt() {
        byte[] inner = udp(DB2_MAC, FW1_MAC, ip("10.1.2.7"), ip("10.1.1.5"), 40000, 80, 10);
        int i = run(vxlan(5001, inner), PacketBatch.UNDERLAY);
        assertThat(java.util.Arrays.stream(DropReason.values()).filter(r -> pipeline.counters().drops(r) > 0).toList()).isEmpty();
        assertThat(batch.verdict[i]).isEqualTo(PacketBatch.TO_PORT);
        assertThat(batch.outPort[i]).isEqualTo(FW1);
        i = run(vxlan(5001, udp(DB2_MAC, WEB1_MAC, ip("10.1.2.7"), ip("10.1.1.5"), 40000, 80, 10)), PacketBatch.UNDERLAY);
        assertThat(batch.verdict[i]).as("web-1 forwards nothing").isEqualTo(PacketBatch.DROP);
        i = run(vxlan(5002, inner), PacketBatch.UNDERLAY);
        assertThat(batch.verdict[i]).as("another VNI never reaches the appliance").isEqualTo(PacketBatch.DROP);
    }

    @Test
    void aPeerTakesWhatTheApplianceForwardsOnlyWithAllowForwardedTraffic() {
        byte[] own = ping(FW1_MAC, ForwardingTables.ROUTER_MAC, ip("10.1.2.5"), ip("10.3.1.4"), 7);
        byte[] foreign = ping(FW1_MAC, ForwardingTables.ROUTER_MAC, ip("10.8.0.1"), ip("10.3.1.4"), 7);
        assertThat(batch.verdict[run(own, FW1)]).as("from its own network's address: ordinary peering traffic").isEqualTo(PacketBatch.TO_UNDERLAY);
        assertThat(batch.vni[0]).isEqualTo(5003);
        assertThat(batch.verdict[run(foreign, FW1)]).isEqualTo(PacketBatch.DROP);
        assertThat(pipeline.counters().drops(DropReason.FORWARDED_NOT_ALLOWED)).isEqualTo(1);
        tables.close();
        tables = tables(true);
        assertThat(batch.verdict[run(foreign, FW1)]).isEqualTo(PacketBatch.TO_UNDERLAY);
    }

    @Test
    void theLongestPrefixDecidesAndAUserRouteWinsATie() {
        Routes routes = Routes.of(List.of(
                Route.user("t/vnet", Ipv4Prefix.parse("10.1.0.0/16"), Route.NextHop.NONE, null),
                Route.user("t/host", Ipv4Prefix.parse("10.1.1.4/32"), Route.NextHop.VNET_LOCAL, null),
                Route.user("t/default", Ipv4Prefix.parse("0.0.0.0/0"), Route.NextHop.VIRTUAL_APPLIANCE, Ipv4.parse("10.1.3.4"))),
                List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of(Ipv4Prefix.parse("10.3.0.0/16")));
        assertThat(routes.route(routes.lookup(ip("10.1.2.2"))).name()).isEqualTo("t/vnet");
        assertThat(routes.route(routes.lookup(ip("10.1.1.4"))).name()).isEqualTo("t/host");
        assertThat(routes.route(routes.lookup(ip("10.3.0.9"))).nextHop()).isEqualTo(Route.NextHop.VNET_PEERING);
        assertThat(routes.route(routes.lookup(ip("8.8.8.8"))).name()).isEqualTo("t/default");
        assertThat(routes.route(routes.lookup(ip("8.8.8.8"))).describe()).isEqualTo("route t/default 0.0.0.0/0 → VirtualAppliance 10.1.3.4");
    }

    @Test
    void theVectorLookupAgreesWithTheScalarOneOnAThousandRoutes() {
        Random random = new Random(15);
        List<Route> user = new ArrayList<>();
        for (int r = 0; r < 1000; r++) {
            int length = 8 + random.nextInt(25);
            int network = random.nextInt() & (-1 << (32 - length));
            user.add(Route.user("t/r" + r, new Ipv4Prefix(new Ipv4(network), length), Route.NextHop.NONE, null));
        }
        Routes routes = Routes.of(user.stream().distinct().toList(), List.of(Ipv4Prefix.parse("10.0.0.0/8")), List.of());
        for (int k = 0; k < 100_000; k++) {
            int address = k % 2 == 0 ? random.nextInt() : user.get(random.nextInt(user.size())).prefix().networkAddress().value() + random.nextInt(256);
            int vector = routes.lookup(address);
            int scalar = routes.lookupScalar(address);
            assertThat(vector).isEqualTo(scalar);
            int best = -1;
            for (int r = 0; r < routes.size(); r++) { // the definition: the longest matching prefix
                if (routes.route(r).prefix().contains(new Ipv4(address)) && (best < 0 || routes.route(r).prefix().length() > routes.route(best).prefix().length())) {
                    best = r;
                }
            }
            assertThat(routes.route(vector).prefix().length()).isEqualTo(routes.route(best).prefix().length());
        }
    }
}
