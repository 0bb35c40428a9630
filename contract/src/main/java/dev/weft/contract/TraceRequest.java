package dev.weft.contract;

import dev.weft.net.Ipv4;
import java.util.Base64;

/**
 * {@code POST /v1/trace}: run one frame through the agent's live tables without sending it. The frame
 * enters from a local port ({@code port} set), from the underlay ({@code underlaySource} and
 * {@code encapsulation} set: a VXLAN frame from its VXLAN header, an NVGRE frame from its outer IPv4 header), or from
 * outside the fleet by the host's uplink ({@code uplink} true: an Ethernet frame, taken as addressed to the uplink
 * device's MAC whatever its destination MAC says).
 *
 * @param frame the frame's bytes, base64
 * @param segmentSize with {@code port}, the frame is a VM's TSO frame (an IPv4 TCP frame of up to 65,499 bytes) to be cut
 *                    into segments of this many payload bytes, or its USO frame (an IPv4 UDP frame: one UDP_SEGMENT send)
 *                    to be cut into datagrams of this many, as its virtio-net header would say; with a VXLAN datagram
 *                    that carries a whole USO frame, its datagrams' size, as the receiving socket reports it; absent for
 *                    a plain frame
 * @param uplink true for a frame from outside the fleet, received by the host's uplink device; absent (or false) else
 */
public record TraceRequest(String port, Ipv4 underlaySource, Encapsulation encapsulation, String frame, Integer segmentSize, Boolean uplink) {

    public TraceRequest {
        boolean fromUplink = Boolean.TRUE.equals(uplink);
        if (segmentSize != null && (port == null && encapsulation != Encapsulation.VXLAN || segmentSize < 1 || segmentSize > 65535)) {
            throw new IllegalArgumentException("segmentSize is 1-65535, for a frame from a port or a VXLAN datagram");
        }
        if ((port != null ? 1 : 0) + (underlaySource != null ? 1 : 0) + (fromUplink ? 1 : 0) != 1) {
            throw new IllegalArgumentException("a trace starts at a port, at the underlay or at the uplink: set one of port, underlaySource and uplink");
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
        return new TraceRequest(port, null, null, Base64.getEncoder().encodeToString(frame), null, null);
    }

    /** A VM's TSO (TCP) or USO (UDP) frame from {@code port}, to be cut into segments or datagrams of {@code segmentSize} payload bytes. */
    public static TraceRequest fromPort(String port, byte[] frame, int segmentSize) {
        return new TraceRequest(port, null, null, Base64.getEncoder().encodeToString(frame), segmentSize, null);
    }

    public static TraceRequest fromUnderlay(Ipv4 source, Encapsulation encapsulation, byte[] frame) {
        return new TraceRequest(null, source, encapsulation, Base64.getEncoder().encodeToString(frame), null, null);
    }

    /** A VXLAN datagram from {@code source} that carries a whole USO frame of {@code segmentSize}-byte datagrams. */
    public static TraceRequest fromUnderlay(Ipv4 source, byte[] frame, int segmentSize) {
        return new TraceRequest(null, source, Encapsulation.VXLAN, Base64.getEncoder().encodeToString(frame), segmentSize, null);
    }

    /** A frame from outside the fleet, as the host's uplink device receives it. */
    public static TraceRequest fromUplink(byte[] frame) {
        return new TraceRequest(null, null, null, Base64.getEncoder().encodeToString(frame), null, true);
    }

    /** Whether the frame comes in by the host's uplink. */
    public boolean fromUplink() {
        return Boolean.TRUE.equals(uplink);
    }

    public byte[] frameBytes() {
        return Base64.getDecoder().decode(frame);
    }
}
