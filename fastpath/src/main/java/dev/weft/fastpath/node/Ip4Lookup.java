package dev.weft.fastpath.node;

import dev.weft.fastpath.graph.Dispatch;
import dev.weft.fastpath.graph.Node;
import dev.weft.fastpath.packet.Bytes;
import dev.weft.fastpath.packet.DropReason;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.flow.FlowCache;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.List;

/**
 * The slow path's forwarding decision (the distributed switch and router). From the underlay: only to a
 * local port of the frame's own VNI (tenant isolation). From a port: to the destination's port on this
 * host, or to the host its mapping names; across subnets only through the gateway (the router MAC),
 * which marks the flow for a route rewrite. Fills the action, out port or provider address,
 * encapsulation and next-hop MAC columns.
 */
public final class Ip4Lookup implements Node {

    public static final String NAME = "ip4-lookup";
    static final int SECURITY = 0;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<String> arcs() {
        return List.of(Security.NAME);
    }

    @Override
    public void process(PacketBatch b, int[] vector, int count, int[] next, Dispatch d) {
        boolean tracing = d.tracing();
        ForwardingTables t = d.tables();
        for (int k = 0; k < count; k++) {
            int i = vector[k];
            int vni = b.vni[i];
            int dst = b.dstIp[i];
            int in = b.inPort[i];
            if (in < 0) {
                if (!t.knowsVni(vni)) {
                    next[k] = d.drop(i, DropReason.UNKNOWN_VNI);
                    continue;
                }
                int entry = t.lookup(vni, dst);
                if (entry < 0 || t.entryPort[entry] < 0 || t.portVni[t.entryPort[entry]] != vni) {
                    next[k] = d.drop(i, DropReason.NOT_A_LOCAL_PORT); // tenant isolation: only this VNI's own ports
                    continue;
                }
                b.action[i] = FlowCache.DELIVER;
                b.outPort[i] = t.entryPort[entry];
                b.outAddress[i] = 0;
                b.encap[i] = 0;
                b.nextHopMac[i] = 0;
                if (tracing) {
                    d.trace(i, Text.ip(dst) + " in VNI " + vni + " is local port " + t.ports[b.outPort[i]].name());
                }
                next[k] = SECURITY;
                continue;
            }
            int entry = t.lookup(vni, dst);
            if (entry < 0) {
                next[k] = d.drop(i, t.subnetOf(vni, dst) != 0 ? DropReason.UNKNOWN_DESTINATION : DropReason.NO_ROUTE);
                continue;
            }
            boolean sameSubnet = (dst & t.portSubnetMask[in]) == t.portSubnet[in];
            if (!sameSubnet && Bytes.mac(b.memory(), b.start[i]) != ForwardingTables.ROUTER_MAC) {
                next[k] = d.drop(i, DropReason.NO_ROUTE); // another subnet is reached through the gateway only
                continue;
            }
            int route = sameSubnet ? 0 : FlowCache.ROUTE;
            int local = t.entryPort[entry];
            b.nextHopMac[i] = t.entryMac[entry];
            if (local >= 0) {
                b.action[i] = FlowCache.DELIVER | route;
                b.outPort[i] = local;
                b.outAddress[i] = 0;
                b.encap[i] = 0;
            } else {
                b.action[i] = FlowCache.ENCAP | route;
                b.outPort[i] = -1;
                b.outAddress[i] = t.entryProvider[entry];
                b.encap[i] = t.entryEncap[entry];
            }
            if (tracing) {
                String where = local >= 0 ? "local port " + t.ports[local].name()
                        : "on host " + Text.ip(t.entryProvider[entry]) + " (" + (b.encap[i] == ForwardingTables.NVGRE ? "NVGRE" : "VXLAN") + ")";
                d.trace(i, Text.ip(dst) + " in VNI " + vni + " is " + where + (sameSubnet ? ", same subnet"
                        : ", routed from subnet " + Text.ip(t.portSubnet[in]) + "/" + Integer.bitCount(t.portSubnetMask[in])));
            }
            next[k] = SECURITY;
        }
    }
}
