package dev.weft.contract;

import dev.weft.net.Ipv4;
import java.util.Base64;
import java.util.List;

/**
 * What a traced frame did on one host: every node's decision, and where it ended. {@code DELIVERED}
 * names the port; {@code ENCAPSULATED} the provider address it would be sent to, the encapsulation and
 * the bytes as sent (for the next host's trace); {@code UPLINK} (sent on the host's uplink) the uplink device in
 * {@code port}; {@code DROPPED} the reason. {@code segments}: how many TCP segments the frame carries (0 or 1: a plain
 * frame); {@code cut}: whether it was cut into them on this host (then {@code frame} is the first), else it leaves as one
 * GSO frame.
 */
public record TraceResponse(String host, List<Hop> hops, Outcome outcome, String port, Ipv4 underlay, Encapsulation encapsulation,
                            String dropReason, String frame, int segments, boolean cut) {

    public enum Outcome { DELIVERED, ENCAPSULATED, UPLINK, DROPPED }

    /** One node's decision. */
    public record Hop(String node, String decision) {
    }

    public TraceResponse {
        hops = List.copyOf(hops);
    }

    public byte[] frameBytes() {
        return Base64.getDecoder().decode(frame);
    }
}
