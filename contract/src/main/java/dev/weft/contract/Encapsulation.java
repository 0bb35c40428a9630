package dev.weft.contract;

/** How a virtual network's frames cross the underlay: VXLAN (RFC 7348) or NVGRE (RFC 7637). */
public enum Encapsulation { VXLAN, NVGRE }
