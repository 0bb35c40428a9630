package dev.weft.compile;

import dev.weft.model.ResourceId;
import java.util.Map;

/**
 * What compiling needs beyond Git: live state the reconciler learns from the agents, never a Git diff.
 *
 * @param natHosts the Gateway host serving each NAT gateway
 * @param health   load balancers' backends by {@code namespace/loadBalancer/rule|namespace/nic}: false when the
 *                 backend's host reports its probe failing (absent: healthy)
 */
public record Live(Map<ResourceId, String> natHosts, Map<String, Boolean> health) {

    public Live {
        natHosts = Map.copyOf(natHosts);
        health = Map.copyOf(health);
    }

    public Live withNatHosts(Map<ResourceId, String> next) {
        return new Live(next, health);
    }

    public Live withHealth(Map<String, Boolean> next) {
        return new Live(natHosts, next);
    }

    /** The key of a backend's health: {@code namespace/loadBalancer/rule|namespace/nic}. */
    public static String backend(String rule, String nic) {
        return rule + "|" + nic;
    }
}
