package dev.weft.trace;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.compile.Compiled;
import dev.weft.compile.Compiler;
import dev.weft.contract.ApiError;
import dev.weft.contract.ContractException;
import dev.weft.contract.TraceRequest;
import dev.weft.contract.TraceResponse;
import dev.weft.model.Host;
import dev.weft.source.DirectorySource;
import dev.weft.validate.Validator;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Frames from outside the fleet, as {@code POST /v1/trace} takes them ({@code uplink: true}): whatever the bytes, a decision or a named refusal. */
class UplinkTraceTest {

    @Test
    void anyBytesFromTheUplinkAreDecidedOrRefusedNeverThrown() throws Exception {
        Compiled compiled = Compiler.compile(new Validator().validate(new DirectorySource("manifests-example", Path.of("..", "manifests-example"))
                .read(null)).model().orElseThrow());
        CompiledTracer tracer = new CompiledTracer(compiled);
        Host hostA = compiled.model().hosts().get("host-a");
        Random random = new Random(17);
        int dropped = 0;
        int refused = 0;
        for (int n = 0; n < 1000; n++) {
            byte[] frame = new byte[1 + random.nextInt(n % 10 == 0 ? 3000 : 80)];
            random.nextBytes(frame);
            if (n % 2 == 0 && frame.length >= 34) { // an IPv4 frame with random headers: past the Ethernet check, into the parser
                frame[12] = 0x08;
                frame[13] = 0x00;
                frame[14] = (byte) (0x40 | (frame[14] & 0x0f));
            }
            try {
                TraceResponse response = tracer.run(hostA, TraceRequest.fromUplink(frame));
                assertThat(response.outcome()).as("frame %d", n).isIn(TraceResponse.Outcome.DROPPED, TraceResponse.Outcome.UPLINK);
                dropped++;
            } catch (ContractException e) {
                assertThat(e.error()).isEqualTo(ApiError.INVALID);
                assertThat(e.getMessage()).startsWith("frame: ");
                refused++;
            }
        }
        assertThat(dropped).isPositive();
        assertThat(refused).as("frames over a batch slot are refused by name").isPositive();
    }
}
