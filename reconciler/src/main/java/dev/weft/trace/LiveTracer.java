package dev.weft.trace;

import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.model.Host;
import dev.weft.net.Ipv4;
import dev.weft.reconcile.AgentAccess;
import java.io.IOException;

/** Traces through the tables the agents hold now ({@code POST /v1/trace}). */
public final class LiveTracer implements HostTracer {

    private final AgentAccess access;

    public LiveTracer(AgentAccess access) {
        this.access = access;
    }

    @Override
    public TraceResponse run(Host host, TraceRequest request) throws IOException, InterruptedException {
        return access.client(host).trace(request);
    }

    /** In the tables the agent builds from the objects it holds now (a NAT gateway that moved is owned where it went). */
    @Override
    public boolean owns(Host host, Ipv4 address) throws IOException, InterruptedException {
        return HostTracer.owns(HostTracer.tables(access.client(host).state().objects().values()), host.underlayAddress(), address);
    }
}
