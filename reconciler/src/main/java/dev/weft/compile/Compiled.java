package dev.weft.compile;

import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.contract.ObjectKey;
import dev.weft.model.Model;
import dev.weft.model.ResourceId;
import java.util.Map;
import java.util.NavigableMap;
import java.util.NavigableSet;
import java.util.TreeMap;

/**
 * A model compiled into per-host programming. Network units are shared by every host with a port in
 * the network, so 100,000 NICs cost 100,000 Mappings, not one copy per host; a host's slice and digest
 * are assembled from its unit and its networks' units. {@code live}: the live state it was compiled with
 * (NAT gateways' hosts, backends' health). Immutable.
 */
public record Compiled(Model model, NavigableMap<String, HostUnit> hosts, Map<ResourceId, NetworkUnit> networks,
                       Live live) {

    /** The Gateway host serving each NAT gateway. */
    public Map<ResourceId, String> natHosts() {
        return live.natHosts();
    }

    public NavigableSet<String> hostNames() {
        return hosts.navigableKeySet();
    }

    /** The host's digest: the sum of its objects' digests, as its agent computes it. */
    public Digest digest(String host) {
        HostUnit unit = hosts.get(host);
        if (unit == null) {
            return Digest.ZERO;
        }
        Digest digest = unit.objectsDigest();
        for (ResourceId network : unit.networks()) {
            digest = digest.plus(networks.get(network).digest());
        }
        return digest;
    }

    /** Everything the host is programmed with, sorted by kind and key. */
    public NavigableMap<ObjectKey, HostObject> slice(String host) {
        NavigableMap<ObjectKey, HostObject> slice = new TreeMap<>();
        HostUnit unit = hosts.get(host);
        if (unit == null) {
            return slice;
        }
        unit.objects().values().forEach(o -> slice.put(o.id(), o));
        for (ResourceId id : unit.networks()) {
            NetworkUnit network = networks.get(id);
            slice.put(network.network().id(), network.network());
            network.mappings().values().forEach(o -> slice.put(o.id(), o));
        }
        return slice;
    }
}
