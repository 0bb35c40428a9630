package dev.weft.model;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The manifest kinds Weft understands, each with its JSON Schema. */
public enum Kind {
    Host(true),
    VirtualNetwork(false),
    NetworkInterface(false),
    NetworkSecurityGroup(false),
    LogicalNetwork(true),
    PublicIPAddress(false),
    NatGateway(false),
    LoadBalancer(false),
    VirtualNetworkPeering(false),
    RouteTable(false),
    VirtualNetworkTap(false);

    public static final String API_VERSION = "weft.dev/v1alpha1";

    private final boolean clusterScoped;

    Kind(boolean clusterScoped) {
        this.clusterScoped = clusterScoped;
    }

    public boolean clusterScoped() {
        return clusterScoped;
    }

    /** Classpath resource of the kind's JSON Schema (shipped from the repository's schemas/ folder). */
    public String schemaResource() {
        return "schemas/" + name().toLowerCase() + ".schema.json";
    }

    public static Optional<Kind> of(String name) {
        return Arrays.stream(values()).filter(k -> k.name().equals(name)).findFirst();
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Kind::name).toList();
    }
}
