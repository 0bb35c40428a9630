package dev.weft.contract;

import dev.weft.net.Ipv4;
import java.util.Base64;

/**
 * {@code POST /v1/trace}: run one frame through the agent's live tables without sending it. The frame
 * enters from a local port ({@code port} set) or from the underlay ({@code underlaySource} and
 * {@code encapsulation} set: a VXLAN frame from its VXLAN header, an NVGRE frame from its outer IPv4 header).
 *
 * @param frame the frame's bytes, base64
 */
public record TraceRequest(String port, Ipv4 underlaySource, Encapsulation encapsulation, String frame) {

    public TraceRequest {
        if ((port == null) == (underlaySource == null)) {
            throw new IllegalArgumentException("a trace starts at a port or at the underlay: set port or underlaySource");
        }
        if (underlaySource != null && encapsulation == null) {
            throw new IllegalArgumentException("encapsulation is required for a frame from the underlay");
        }
        if (frame == null || frame.isEmpty()) {
            throw new IllegalArgumentException("frame is required");
        }
        Base64.getDecoder().decode(frame); // refuses what isn't base64
    }

    public static TraceRequest fromPort(String port, byte[] frame) {
        return new TraceRequest(port, null, null, Base64.getEncoder().encodeToString(frame));
    }

    public static TraceRequest fromUnderlay(Ipv4 source, Encapsulation encapsulation, byte[] frame) {
        return new TraceRequest(null, source, encapsulation, Base64.getEncoder().encodeToString(frame));
    }

    public byte[] frameBytes() {
        return Base64.getDecoder().decode(frame);
    }
}
