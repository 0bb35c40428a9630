package dev.weft.compile;

import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.model.ResourceId;
import java.util.NavigableMap;
import java.util.NavigableSet;

/**
 * One host's own part of its slice: the Ports of its NICs and its north–south objects (its Uplink, its ports'
 * PublicIps, the NatGateways its ports leave through or it serves), and which virtual networks it needs:
 * those of its NICs and those of the NAT gateways it serves (whose {@link NetworkUnit}s complete the slice).
 *
 * @param objects       the host's own objects: Ports, and the north–south ones
 * @param nicNetworks   each NIC on the host and its virtual network
 * @param objectsDigest sum of those objects' digests
 */
public record HostUnit(String host, NavigableMap<String, HostObject> objects, NavigableMap<ResourceId, ResourceId> nicNetworks,
                       NavigableSet<ResourceId> networks, Digest objectsDigest) {
}
