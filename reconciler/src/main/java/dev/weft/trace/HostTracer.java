package dev.weft.trace;

import dev.weft.contract.ContractException;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.model.Host;
import java.io.IOException;

/** Runs a traced frame on one host: through tables compiled from a revision, or through the agent's live tables. */
public interface HostTracer {

    TraceResponse run(Host host, TraceRequest request) throws IOException, InterruptedException, ContractException;
}
