package dev.weft.validate;

import dev.weft.manifest.Problem;
import dev.weft.model.Kind;
import dev.weft.model.NetworkInterface;
import dev.weft.model.ResourceId;
import dev.weft.model.VirtualNetworkTap;
import dev.weft.validate.SemanticRules.Declared;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The rules of taps: sources and destination are NICs of the tap's namespace (another tenant's NICs can't be named), the
 * destination is in every source's virtual network, no source is listed twice, and no NIC is both a tap's destination and a
 * source of a tap (a collector's copies are never copied again).
 */
final class TapRules {

    private final Consumer<Problem> report;

    TapRules(Consumer<Problem> report) {
        this.report = report;
    }

    void check(List<Declared<VirtualNetworkTap>> taps, List<Declared<NetworkInterface>> nics, Set<ResourceId> declared) {
        Map<ResourceId, NetworkInterface> byId = new HashMap<>();
        nics.forEach(n -> byId.put(n.resource().id(), n.resource()));
        Set<ResourceId> sources = new HashSet<>();
        taps.forEach(t -> t.resource().sources().forEach(s -> sources.add(new ResourceId(Kind.NetworkInterface, t.resource().namespace(), s))));
        for (Declared<VirtualNetworkTap> d : taps) {
            VirtualNetworkTap tap = d.resource();
            ResourceId destinationId = new ResourceId(Kind.NetworkInterface, tap.namespace(), tap.destination());
            NetworkInterface destination = byId.get(destinationId);
            if (destination == null && !declared.contains(destinationId)) {
                report.accept(d.document().problem("/spec/destination/networkInterface", "network interface \"" + tap.destination()
                        + "\" does not exist in namespace " + tap.namespace()));
            }
            if (sources.contains(destinationId)) {
                report.accept(d.document().problem("/spec/destination/networkInterface", tap.destination()
                        + " is a source of a tap: a collector's own traffic is not mirrored"));
            }
            Set<String> seen = new HashSet<>();
            for (int k = 0; k < tap.sources().size(); k++) {
                String name = tap.sources().get(k);
                String at = "/spec/sources/" + k;
                ResourceId id = new ResourceId(Kind.NetworkInterface, tap.namespace(), name);
                NetworkInterface source = byId.get(id);
                if (!seen.add(name)) {
                    report.accept(d.document().problem(at, name + " is listed twice"));
                } else if (source == null) {
                    if (!declared.contains(id)) {
                        report.accept(d.document().problem(at, "network interface \"" + name + "\" does not exist in namespace " + tap.namespace()));
                    }
                } else if (destination != null && !source.networkId().equals(destination.networkId())) {
                    report.accept(d.document().problem(at, name + " is in network " + source.virtualNetwork() + ", the destination "
                            + tap.destination() + " in " + destination.virtualNetwork() + ": a tap's collector is in its sources' network"));
                }
            }
        }
    }
}
