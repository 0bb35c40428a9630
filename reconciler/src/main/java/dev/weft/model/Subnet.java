package dev.weft.model;

import dev.weft.net.Ipv4Prefix;

/**
 * A named prefix of a virtual network, the security group that filters it, its NAT gateway and its route table; its first
 * host address is the gateway.
 */
public record Subnet(String name, Ipv4Prefix addressPrefix, java.util.Optional<String> networkSecurityGroup,
                     java.util.Optional<String> natGateway, java.util.Optional<String> routeTable) {

    public Subnet(String name, Ipv4Prefix addressPrefix, java.util.Optional<String> networkSecurityGroup, java.util.Optional<String> natGateway) {
        this(name, addressPrefix, networkSecurityGroup, natGateway, java.util.Optional.empty());
    }

    public Subnet(String name, Ipv4Prefix addressPrefix, java.util.Optional<String> networkSecurityGroup) {
        this(name, addressPrefix, networkSecurityGroup, java.util.Optional.empty());
    }

    public Subnet(String name, Ipv4Prefix addressPrefix) {
        this(name, addressPrefix, java.util.Optional.empty());
    }
}
