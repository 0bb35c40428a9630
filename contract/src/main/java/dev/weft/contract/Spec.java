package dev.weft.contract;

/** A host object's typed spec: each kind is one record, and it knows its own key. */
public sealed interface Spec permits NetworkSpec, PortSpec, MappingSpec, UplinkSpec, PublicIpSpec, NatGatewaySpec, LoadBalancerSpec {

    ObjectKind kind();

    /** The object's stable key, derived from the spec (an op whose key differs is refused). */
    String key();

    /** The host object holding this spec. */
    default HostObject toObject() {
        return HostObject.of(this);
    }
}
