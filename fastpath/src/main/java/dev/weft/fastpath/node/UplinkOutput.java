package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.packet.Parser;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.uplink.Neighbors;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The end of a path to the uplink. ARP replies go as they are; an IPv4 packet gets a fresh Ethernet header
 * (any VLAN tag a VM wrote is removed), from the uplink's MAC to its next hop's: the destination itself on
 * the logical network's subnet, else the default gateway. While that MAC is unknown the packet waits in
 * {@link Neighbors} (up to {@link Neighbors#HOLD_FRAMES} per next hop, for {@link Neighbors#HOLD_NANOS}; a GSO frame
 * can't) and its slot becomes an ARP request for the next hop (at most one per {@link Neighbors#RETRY_NANOS}; a packet
 * that can't wait and isn't needed for the question is dropped and counted); the worker sends the waiting packets when
 * the answer comes.
 */
public final class UplinkOutput implements Node {

    public static final String NAME = "uplink-output";

    private final Neighbors neighbors;
    public long arpRequests;
    /** Packets to a public address of this host, turned back in. */
    public long hairpins;

    public UplinkOutput(Neighbors neighbors) {
        this.neighbors = neighbors;
    }

    @Override
    public String name() {
        return NAME;
    }


    @Override
    public List<String> arcs() {
        return List.of();
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        MemorySegment m = b.memory();
        long own = neighbors.ownMac();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            if (t.uplink == null) {
                next[k] = d.drop(i, DropReason.NO_EGRESS);
                continue;
            }
            if (b.kind[i] == Parser.ARP) {
                b.verdict[i] = PacketBatch.TO_UPLINK;
                if (tracing) {
                    d.trace(i, "send on uplink " + t.uplink.device());
                }
                continue;
            }
            if (b.l3[i] != 14) { // a VLAN tag: the uplink gets a plain frame
                b.start[i] += b.l3[i] - 14;
                b.length[i] -= b.l3[i] - 14;
                b.l4[i] -= b.l3[i] - 14;
                b.l3[i] = 14;
                Bytes.u16(m, b.start[i] + 12, 0x0800);
            }
            if (t.owner(b.dstIp[i]) != ForwardingTables.NOT_OWNED) { // to a public address of this host: back in, as a router hairpins
                Bytes.mac(m, b.start[i], own);
                Bytes.mac(m, b.start[i] + 6, own);
                b.verdict[i] = PacketBatch.HAIRPIN;
                hairpins++;
                if (tracing) {
                    d.trace(i, Text.ip(b.dstIp[i]) + " is a public address of this host: back in from uplink " + t.uplink.device() + " (hairpin)");
                }
                continue;
            }
            int hop = t.uplinkNextHop(b.dstIp[i]);
            long mac = neighbors.mac(hop);
            if (mac == 0) {
                long now = System.nanoTime();
                // asked from the packet's source when this host owns it; else (a backend's direct reply from a frontend the
                // MUX answers for) as an ARP probe from 0.0.0.0, so nobody learns that address at this host's MAC
                int sender = t.owner(b.srcIp[i]) == ForwardingTables.NOT_OWNED ? 0 : b.srcIp[i];
                boolean held = false;
                if (b.gsoSize[i] == 0) {
                    Bytes.mac(m, b.start[i] + 6, own);
                    held = neighbors.hold(hop, sender, b.frame(i), now);
                }
                String what = !tracing ? null : "next hop " + Text.ip(hop) + " not resolved: " + (held
                        ? "the packet waits for its answer (" + neighbors.holding(hop) + " waiting)"
                        : b.gsoSize[i] > 0 ? "a GSO frame can't wait for its answer" : "no room to wait for its answer");
                if (!neighbors.ask(hop, now)) {
                    next[k] = held ? Dispatch.DROPPED : d.drop(i, DropReason.NO_NEIGHBOR); // held: kept, not dropped
                    if (tracing && held) {
                        d.trace(i, what + "; asked for already");
                    }
                    continue;
                }
                arpRequest(b, i, own, sender, hop);
                arpRequests++;
                b.verdict[i] = PacketBatch.TO_UPLINK;
                if (tracing) {
                    d.trace(i, what + (held ? "; its slot" : "; it") + " became an ARP request for it on " + t.uplink.device());
                }
                continue;
            }
            Bytes.mac(m, b.start[i], mac);
            Bytes.mac(m, b.start[i] + 6, own);
            b.verdict[i] = PacketBatch.TO_UPLINK;
            if (tracing) {
                d.trace(i, "send on uplink " + t.uplink.device() + " to next hop " + Text.ip(hop) + " (" + Text.mac(mac) + "), " + b.length[i] + " bytes");
            }
        }
    }

    /** Rewrites frame {@code i} into an ARP request: who has {@code target}, tell {@code sender}. */
    static void arpRequest(PacketBatch b, int i, long own, int sender, int target) {
        dev.weft.fastpath.packet.Arp.request(b.memory(), b.start[i], own, sender, target);
        b.truncate(i, dev.weft.fastpath.packet.Arp.LENGTH);
        b.l3[i] = 14;
        b.kind[i] = Parser.ARP;
    }
}
