package dev.weft.model;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/** A desired-state resource of the model. */
public sealed interface Resource permits Host, VirtualNetwork, NetworkInterface, NetworkSecurityGroup, LogicalNetwork, PublicIPAddress, NatGateway, LoadBalancer, VirtualNetworkPeering, RouteTable, VirtualNetworkTap {

    ResourceId id();

    Map<String, String> labels();

    /**
     * The resource's fields flattened to {@code path → value} for diffs: {@code ipAddress},
     * {@code labels.env}, {@code subnets[web].addressPrefix} (list elements matched by name).
     */
    SortedMap<String, String> fields();

    /** The common part of {@link #fields()}: labels as {@code labels.<key>}. */
    static SortedMap<String, String> withLabels(Map<String, String> labels) {
        SortedMap<String, String> fields = new TreeMap<>();
        labels.forEach((k, v) -> fields.put("labels." + k, v));
        return fields;
    }
}
