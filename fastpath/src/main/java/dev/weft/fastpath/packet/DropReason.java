package dev.weft.fastpath.packet;

/** Why a frame was dropped; every drop is counted under one of these. */
public enum DropReason {
    NONE,
    TRUNCATED,
    BAD_ETHERTYPE,
    BAD_IPV4_HEADER,
    BAD_IPV4_CHECKSUM,
    BAD_IPV4_LENGTH,
    TTL_EXPIRED,
    BAD_L4_HEADER,
    BAD_ARP,
    ARP_NOT_ANSWERED,
    UNKNOWN_SOURCE_PORT,
    SPOOFED_SOURCE,
    NO_ROUTE,
    UNKNOWN_DESTINATION,
    BAD_ENCAPSULATION,
    UNKNOWN_VNI,
    NOT_A_LOCAL_PORT,
    FRAME_TOO_LARGE,
    SECURITY_DENIED,
    CONNTRACK_FULL,
    /** Encapsulated traffic from an address that is no provider address of a host carrying the VNI. */
    UNKNOWN_PEER,
    /** An IPv4 fragment to or from a port that a security group filters: without ports it can't be classified. */
    FRAGMENT_FILTERED,
    /** A DHCP message from a port that is malformed (truncated options, option overload, not a client's message). */
    BAD_DHCP,
    /** A DHCP message the host takes without answering: RELEASE, DECLINE, a REQUEST for another server. */
    DHCP_NO_REPLY,
    /** A DNS query to the host that is malformed (compression in the question, truncated or oversized labels, not a query). */
    BAD_DNS,
    /** A TCP segment to the host's DNS that needs no answer: the handshake's ACK, an ACK of the answer, a RST. */
    DNS_TCP_NO_REPLY,
    /** A packet to an address outside the virtual network from a port with no public address and no NAT gateway. */
    NO_EGRESS,
    /** A frame on the uplink to an address this host doesn't own (another host's, or nobody's). */
    NOT_OWNED,
    /** A packet to a NAT gateway's address that belongs to no translation it made: unsolicited inbound. */
    NAT_NO_SESSION,
    /** A new flow through a NAT gateway when every port of every public address is in use. */
    NAT_PORT_EXHAUSTED,
    /** A packet for the uplink whose next hop's MAC isn't known yet (its ARP request went out recently). */
    NO_NEIGHBOR,
    /** A new connection to a load balancer's frontend whose pool has no healthy backend (a TCP one is refused with a RST). */
    NO_HEALTHY_BACKEND,
    /** A packet whose deciding route is a user route with next hop {@code None}: dropped as the route table says. */
    ROUTE_NONE,
    /** A packet routed to a virtual appliance whose address has no NIC attached. */
    NO_APPLIANCE,
    /** A packet an appliance forwards (its source is outside its network) to a peered network whose half doesn't allowForwardedTraffic. */
    FORWARDED_NOT_ALLOWED,
    /** An ICMP echo request to a gateway address whose ICMP checksum is wrong: not answered. */
    BAD_ICMP_CHECKSUM
}
