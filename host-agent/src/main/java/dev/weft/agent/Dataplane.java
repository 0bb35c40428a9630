package dev.weft.agent;

import dev.weft.agent.object.HostObject;
import dev.weft.agent.object.MappingSpec;
import dev.weft.agent.object.NetworkSpec;
import dev.weft.agent.object.PortSpec;
import dev.weft.agent.store.AgentState;
import dev.weft.fastpath.table.MappingEntry;
import dev.weft.fastpath.table.NetworkEntry;
import dev.weft.fastpath.table.PortEntry;
import dev.weft.fastpath.table.TableSnapshot;
import dev.weft.fastpath.table.Tables;
import java.util.ArrayList;
import java.util.List;

/** Turns the agent's objects into the fastpath's table snapshot and publishes it after every change. */
public final class Dataplane {

    private final Tables tables = new Tables();
    private volatile PacketIo packets;

    /** Real packet I/O to feed with every published snapshot (none: tables only). */
    void packets(PacketIo io) {
        this.packets = io;
    }

    public PacketIo packets() {
        return packets;
    }

    public Tables tables() {
        return tables;
    }

    public TableSnapshot publish(AgentState state) {
        List<PortEntry> ports = new ArrayList<>();
        List<MappingEntry> mappings = new ArrayList<>();
        List<NetworkEntry> networks = new ArrayList<>();
        for (HostObject object : state.objects().values()) {
            switch (object.kind()) {
                case Port -> {
                    PortSpec p = PortSpec.from(object);
                    ports.add(new PortEntry(p.key(), p.vni(), p.mac(), p.ip(), p.subnet(), p.gateway(), SecurityCompiler.of(p.security())));
                }
                case Mapping -> {
                    MappingSpec m = MappingSpec.from(object);
                    mappings.add(new MappingEntry(m.vni(), m.ip(), m.mac(), m.providerAddress(),
                            MappingEntry.Encapsulation.valueOf(m.encapsulation())));
                }
                case Network -> {
                    NetworkSpec n = NetworkSpec.from(object);
                    networks.add(new NetworkEntry(n.vni(), n.addressSpace(), n.subnets().stream().map(NetworkSpec.Subnet::prefix).toList()));
                }
            }
        }
        TableSnapshot snapshot = tables.publish(ports, mappings, networks);
        PacketIo io = packets;
        if (io != null) {
            io.publish(snapshot);
        }
        return snapshot;
    }
}
