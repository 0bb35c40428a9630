package dev.weft.trace;

import dev.weft.agent.dataplane.Tracing;
import dev.weft.compile.Compiled;
import dev.weft.contract.ContractException;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.model.Host;
import dev.weft.net.Ipv4;

/** Traces through the tables each host would have at a revision: its compiled slice, turned into tables as the agent turns it. */
public final class CompiledTracer implements HostTracer {

    private final Compiled compiled;

    public CompiledTracer(Compiled compiled) {
        this.compiled = compiled;
    }

    @Override
    public TraceResponse run(Host host, TraceRequest request) throws ContractException {
        return Tracing.run(host.name(), snapshot(host), host.underlayAddress(), request);
    }

    @Override
    public boolean owns(Host host, Ipv4 address) {
        return HostTracer.owns(snapshot(host), host.underlayAddress(), address);
    }

    /** The tables {@code host} would have at the revision, as its agent would build them from its slice. */
    private TableSnapshot snapshot(Host host) {
        return HostTracer.tables(compiled.slice(host.name()).values());
    }
}
