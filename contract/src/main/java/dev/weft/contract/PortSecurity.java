package dev.weft.contract;

import java.util.List;

/**
 * The security layers that filter a port, as VFP stacks them: inbound the subnet's group then the
 * interface's, outbound the interface's then the subnet's. A flow must be allowed by every layer of its
 * direction. No layers at all: the port is not filtered.
 */
public record PortSecurity(List<SecurityLayer> inbound, List<SecurityLayer> outbound) {

    public static final PortSecurity NONE = new PortSecurity(List.of(), List.of());

    public PortSecurity {
        inbound = List.copyOf(inbound);
        outbound = List.copyOf(outbound);
    }

    public boolean filters() {
        return !inbound.isEmpty() || !outbound.isEmpty();
    }
}
