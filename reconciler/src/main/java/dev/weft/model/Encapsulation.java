package dev.weft.model;

/** How a virtual network's frames cross the underlay. */
public enum Encapsulation {
    /** RFC 7348: UDP port 4789, 24-bit VNI. */
    VXLAN,
    /** RFC 7637: GRE with the 24-bit virtual subnet ID in the key. */
    NVGRE
}
