package dev.weft.compile;

import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.model.ResourceId;
import java.util.NavigableMap;
import java.util.NavigableSet;

/**
 * What one virtual network contributes to every host that has a port in it: its Network object and
 * the Mappings of all its NICs, shared (not copied) by those hosts.
 *
 * @param digest   sum of the Network's and every Mapping's digest
 * @param nicHosts each NIC of the network and the host it is on
 * @param hosts    the hosts with at least one port in the network
 */
public record NetworkUnit(ResourceId id, HostObject network, NavigableMap<String, HostObject> mappings, Digest digest,
                          NavigableMap<ResourceId, String> nicHosts, NavigableSet<String> hosts) {
}
