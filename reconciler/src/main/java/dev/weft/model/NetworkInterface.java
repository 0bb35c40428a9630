package dev.weft.model;

import dev.weft.net.Ipv4;
import dev.weft.net.MacAddress;
import java.util.Map;
import java.util.SortedMap;

/**
 * A VM's interface: a port on one host in a subnet of a virtual network of the same tenant; {@code udpReceiveCoalescing}:
 * the VM takes a run of one UDP flow's datagrams as one frame.
 */
public record NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork,
                               String subnet, String host, MacAddress macAddress, Ipv4 ipAddress,
                               java.util.Optional<String> networkSecurityGroup, java.util.Optional<String> publicIPAddress,
                               boolean enableIPForwarding, QosSettings qosSettings, boolean udpReceiveCoalescing) implements Resource {

    public NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork, String subnet, String host,
                            MacAddress macAddress, Ipv4 ipAddress, java.util.Optional<String> networkSecurityGroup,
                            java.util.Optional<String> publicIPAddress, boolean enableIPForwarding, QosSettings qosSettings) {
        this(namespace, name, labels, virtualNetwork, subnet, host, macAddress, ipAddress, networkSecurityGroup, publicIPAddress, enableIPForwarding,
                qosSettings, false);
    }

    /**
     * Rate limits in Mbit/s, 0 for none: to the VM and from it, and the share of its host's outbound capacity the VM may
     * always send (SDN v2's NIC qosSettings).
     */
    public record QosSettings(int inboundMaximumMbps, int outboundMaximumMbps, int outboundReservedMbps) {
        public static final QosSettings NONE = new QosSettings(0, 0, 0);
    }

    public NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork, String subnet, String host,
                            MacAddress macAddress, Ipv4 ipAddress, java.util.Optional<String> networkSecurityGroup,
                            java.util.Optional<String> publicIPAddress, boolean enableIPForwarding) {
        this(namespace, name, labels, virtualNetwork, subnet, host, macAddress, ipAddress, networkSecurityGroup, publicIPAddress, enableIPForwarding,
                QosSettings.NONE);
    }

    public NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork, String subnet, String host,
                            MacAddress macAddress, Ipv4 ipAddress, java.util.Optional<String> networkSecurityGroup,
                            java.util.Optional<String> publicIPAddress) {
        this(namespace, name, labels, virtualNetwork, subnet, host, macAddress, ipAddress, networkSecurityGroup, publicIPAddress, false);
    }

    public NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork, String subnet, String host,
                            MacAddress macAddress, Ipv4 ipAddress, java.util.Optional<String> networkSecurityGroup) {
        this(namespace, name, labels, virtualNetwork, subnet, host, macAddress, ipAddress, networkSecurityGroup, java.util.Optional.empty());
    }

    public NetworkInterface {
        labels = Map.copyOf(labels);
        java.util.Objects.requireNonNull(qosSettings, "qosSettings");
    }

    /**
     * The MAC an interface without {@code macAddress} gets: locally administered and unicast ({@code 02:}),
     * then five bytes of the SHA-256 of {@code namespace/name}, so it is the same on every run and every host.
     */
    public static MacAddress derivedMac(String namespace, String name) {
        try {
            byte[] hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest((namespace + "/" + name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            long mac = 0x02L;
            for (int k = 0; k < 5; k++) {
                mac = mac << 8 | (hash[k] & 0xff);
            }
            return new MacAddress(mac);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the MAC is derived (the manifest has none). */
    public boolean macDerived() {
        return macAddress.equals(derivedMac(namespace, name));
    }

    public NetworkInterface(String namespace, String name, Map<String, String> labels, String virtualNetwork, String subnet, String host,
                            MacAddress macAddress, Ipv4 ipAddress) {
        this(namespace, name, labels, virtualNetwork, subnet, host, macAddress, ipAddress, java.util.Optional.empty());
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("virtualNetwork", virtualNetwork);
        fields.put("subnet", subnet);
        fields.put("host", host);
        fields.put("macAddress", macAddress.toString());
        fields.put("ipAddress", ipAddress.toString());
        networkSecurityGroup.ifPresent(g -> fields.put("networkSecurityGroup", g));
        publicIPAddress.ifPresent(p -> fields.put("publicIPAddress", p));
        if (enableIPForwarding) {
            fields.put("enableIPForwarding", "true");
        }
        if (udpReceiveCoalescing) {
            fields.put("udpReceiveCoalescing", "true");
        }
        if (qosSettings.inboundMaximumMbps() > 0) {
            fields.put("qosSettings.inboundMaximumMbps", Integer.toString(qosSettings.inboundMaximumMbps()));
        }
        if (qosSettings.outboundMaximumMbps() > 0) {
            fields.put("qosSettings.outboundMaximumMbps", Integer.toString(qosSettings.outboundMaximumMbps()));
        }
        if (qosSettings.outboundReservedMbps() > 0) {
            fields.put("qosSettings.outboundReservedMbps", Integer.toString(qosSettings.outboundReservedMbps()));
        }
        return fields;
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.NetworkInterface, namespace, name);
    }

    public ResourceId networkId() {
        return new ResourceId(Kind.VirtualNetwork, namespace, virtualNetwork);
    }
}
