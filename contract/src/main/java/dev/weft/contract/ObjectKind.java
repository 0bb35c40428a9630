package dev.weft.contract;

/** The kinds of object a host agent stores, in the order they are listed and applied, each with its typed spec. */
public enum ObjectKind {
    /** A virtual network's address space and subnets, for distributed routing. */
    Network(NetworkSpec.class),
    /** A local NIC: VNI, MAC, IP, prefix, gateway, security layers. */
    Port(PortSpec.class),
    /** A customer address → provider address entry (CA→PA) of a network with a port on the host. */
    Mapping(MappingSpec.class),
    /** The host's device on a logical network, with the network's subnet and default gateway. */
    Uplink(UplinkSpec.class),
    /** A local port's public address: one-to-one NAT on the host's uplink. */
    PublicIp(PublicIpSpec.class),
    /** A NAT gateway of subnets with ports on the host, or one the host serves. */
    NatGateway(NatGatewaySpec.class),
    /** A load balancer with a frontend in a network that has ports on the host: the host balances its clients' flows. */
    LoadBalancer(LoadBalancerSpec.class);

    private final Class<? extends Spec> specType;

    ObjectKind(Class<? extends Spec> specType) {
        this.specType = specType;
    }

    /** The record a spec of this kind is read into. */
    public Class<? extends Spec> specType() {
        return specType;
    }
}
