package dev.weft.trace;

import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.model.Host;
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
}
