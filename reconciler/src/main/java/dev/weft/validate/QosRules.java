package dev.weft.validate;

import dev.weft.manifest.Problem;
import dev.weft.model.Host;
import dev.weft.model.NetworkInterface;
import dev.weft.validate.SemanticRules.Declared;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The rules of rate limits: a reservation is a share of its host's {@code outboundCapacityMbps}, so the host must have one
 * and the reservations of its NICs must fit in it; a reservation is no more than the NIC's own outbound limit.
 */
final class QosRules {

    private QosRules() {
    }

    static void check(List<Declared<NetworkInterface>> nics, List<Declared<Host>> hosts, Consumer<Problem> report) {
        Map<String, Host> byName = new HashMap<>();
        hosts.forEach(h -> byName.put(h.resource().name(), h.resource()));
        Map<String, Integer> reservedOn = new HashMap<>();
        for (Declared<NetworkInterface> d : nics) {
            NetworkInterface nic = d.resource();
            int reserved = nic.qosSettings().outboundReservedMbps();
            if (reserved == 0) {
                continue;
            }
            String at = "/spec/qosSettings/outboundReservedMbps";
            int maximum = nic.qosSettings().outboundMaximumMbps();
            if (maximum > 0 && reserved > maximum) {
                report.accept(d.document().problem(at, reserved + " Mbit/s reserved is more than the interface may send (outboundMaximumMbps " + maximum + ")"));
            }
            Host host = byName.get(nic.host());
            if (host == null) {
                continue; // reported where the host is named
            }
            if (host.outboundCapacityMbps() == 0) {
                report.accept(d.document().problem(at, "host " + host.name() + " has no outboundCapacityMbps: a reservation is a share of it"));
                continue;
            }
            int sum = reservedOn.merge(host.name(), reserved, Integer::sum);
            if (sum > host.outboundCapacityMbps()) {
                report.accept(d.document().problem(at, "the reservations on host " + host.name() + " come to " + sum + " Mbit/s with this one, more than its outboundCapacityMbps "
                        + host.outboundCapacityMbps()));
            }
        }
    }
}
