package dev.weft.agent.object;

/** The kinds of object a host agent stores, in the order they are listed and applied. */
public enum ObjectKind {
    /** A virtual network's address space and subnets, for distributed routing. */
    Network,
    /** A local NIC: VNI, MAC, IP, prefix, gateway. */
    Port,
    /** A customer address → provider address entry (CA→PA) of a network with a port on the host. */
    Mapping
}
