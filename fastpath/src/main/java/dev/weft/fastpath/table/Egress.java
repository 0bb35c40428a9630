package dev.weft.fastpath.table;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import java.util.List;
import java.util.Objects;

/**
 * North–south: the host's uplink to a logical network, the public addresses of its local ports (one-to-one
 * NAT, done here), and the NAT gateways its ports leave through or that it serves.
 *
 * @param uplink      the host's uplink, or null when it has none
 * @param publicIps   one-to-one NAT of local ports
 * @param natGateways NAT gateways of subnets with ports here, and those this host serves
 */
public record Egress(Uplink uplink, List<PublicIp> publicIps, List<NatGateway> natGateways) {

    public static final Egress NONE = new Egress(null, List.of(), List.of());

    public Egress {
        publicIps = List.copyOf(publicIps);
        natGateways = List.copyOf(natGateways);
    }

    /**
     * The host's interface on a logical network.
     *
     * @param device         the host's device facing the logical network (e.g. {@code eth1})
     * @param prefix         the logical network's subnet
     * @param defaultGateway the next hop for everything outside {@code prefix}
     */
    public record Uplink(String logicalNetwork, String device, Ipv4Prefix prefix, Ipv4 defaultGateway) {
        public Uplink {
            Objects.requireNonNull(device, "device");
            Objects.requireNonNull(prefix, "prefix");
            Objects.requireNonNull(defaultGateway, "defaultGateway");
        }
    }

    /** Local port {@code port} (its key) is {@code address} on the uplink: translated one-to-one both ways. */
    public record PublicIp(String name, String port, Ipv4 address) {
    }

    /**
     * A NAT gateway: the subnets ({@code sources}) whose ports leave through it, the Gateway host that serves it
     * ({@code host}, its underlay address), its public addresses, and how long an idle translation lives.
     */
    public record NatGateway(String name, Ipv4 host, List<Ipv4> addresses, int idleTimeoutSeconds, List<Source> sources) {
        public NatGateway {
            addresses = List.copyOf(addresses);
            sources = List.copyOf(sources);
        }
    }

    /** A subnet of VNI {@code vni}. */
    public record Source(int vni, Ipv4Prefix prefix) {
    }
}
