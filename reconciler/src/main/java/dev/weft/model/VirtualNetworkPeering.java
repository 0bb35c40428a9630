package dev.weft.model;

import java.util.Map;
import java.util.SortedMap;

/**
 * One tenant's half of a peering: its network {@code virtualNetwork} with {@code remote}; {@code connected} (Connected, not
 * Initiated) when the remote's tenant declares the other half, which the model works out (see {@link Model#withPeeringStates}).
 */
public record VirtualNetworkPeering(String namespace, String name, Map<String, String> labels, String virtualNetwork, ResourceId remote,
                                   boolean allowForwardedTraffic, boolean connected) implements Resource {

    public VirtualNetworkPeering {
        labels = Map.copyOf(labels);
    }

    public ResourceId networkId() {
        return new ResourceId(Kind.VirtualNetwork, namespace, virtualNetwork);
    }

    @Override
    public ResourceId id() {
        return new ResourceId(Kind.VirtualNetworkPeering, namespace, name);
    }

    @Override
    public SortedMap<String, String> fields() {
        SortedMap<String, String> fields = Resource.withLabels(labels);
        fields.put("virtualNetwork", virtualNetwork);
        fields.put("remoteVirtualNetwork.namespace", remote.namespace());
        fields.put("remoteVirtualNetwork.name", remote.name());
        fields.put("allowForwardedTraffic", Boolean.toString(allowForwardedTraffic));
        fields.put("peeringState", connected ? "Connected" : "Initiated");
        return fields;
    }
}
