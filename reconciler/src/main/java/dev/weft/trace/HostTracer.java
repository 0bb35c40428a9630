package dev.weft.trace;

import dev.weft.agent.dataplane.Dataplane;
import dev.weft.contract.ContractException;
import dev.weft.contract.HostObject;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.fastpath.table.ForwardingTables;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.model.Host;
import dev.weft.net.Ipv4;
import java.io.IOException;
import java.util.Collection;

/** Runs a traced frame on one host: through tables compiled from a revision, or through the agent's live tables. */
public interface HostTracer {

    TraceResponse run(Host host, TraceRequest request) throws IOException, InterruptedException, ContractException;

    /**
     * Whether {@code host}'s uplink owns public address {@code address} in the same tables (a NIC's public address, a NAT
     * gateway's it serves, a public load-balancer frontend it is the MUX of): where a packet from outside to it comes in.
     */
    boolean owns(Host host, Ipv4 address) throws IOException, InterruptedException;

    /** The tables a host's agent builds from {@code objects} (compiled for it, or held by it now), as a trace runs through them. */
    static TableSnapshot tables(Collection<HostObject> objects) {
        return Dataplane.snapshot(objects, 1, 1500);
    }

    /** Whether a host with provider address {@code underlay} and tables {@code snapshot} owns {@code address} on its uplink. */
    static boolean owns(TableSnapshot snapshot, Ipv4 underlay, Ipv4 address) {
        try (ForwardingTables tables = new ForwardingTables(snapshot, underlay.value())) {
            return tables.owner(address.value()) != ForwardingTables.NOT_OWNED;
        }
    }
}
