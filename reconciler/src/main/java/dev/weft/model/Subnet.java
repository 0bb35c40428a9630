package dev.weft.model;

import dev.weft.net.Ipv4Prefix;

/** A named prefix of a virtual network; its first host address is the gateway. */
public record Subnet(String name, Ipv4Prefix addressPrefix) {
}
