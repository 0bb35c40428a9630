package dev.weft.model;

import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Port mirroring: copies of what the {@code sources} (NICs of the namespace) send and/or receive go to the collector NIC
 * {@code destination}, wrapped in VXLAN to UDP {@code port} with the tap's {@link #vni()}.
 */
public record VirtualNetworkTap(String namespace, String name, Map<String, String> labels, List<String> sources, Direction direction,
                                String destination, int port) implements Resource {

    /** Which of the sources' frames are copied. */
    public enum Direction { Inbound, Outbound, Both }

    public static final int DEFAULT_PORT = 4789;

    public VirtualNetworkTap {
        labels = Map.copyOf(labels);
        sources = List.copyOf(sources);
    }

    /** The VNI in the copies' VXLAN header, which tells a collector's taps apart: 24 bits of the CRC-32 of {@code namespace/name}, never 0. */
    public int vni() {
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update((namespace + "/" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int vni = (int) (crc.getValue() & 0xffffff);
        return vni == 0 ? 1 : vni;
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.VirtualNetworkTap, namespace, name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("sources", sources.toString());
        fields.put("direction", direction.name());
        fields.put("destination.networkInterface", destination);
        fields.put("destination.port", Integer.toString(port));
        fields.put("vni", Integer.toString(vni()));
        return fields;
    }
}
