package dev.weft.plan;

import dev.weft.contract.MappingSpec;
import dev.weft.contract.NetworkSpec;
import dev.weft.contract.ObjectKind;
import dev.weft.contract.PortSpec;
import dev.weft.model.Kind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a plan touches as a Mermaid flowchart (GitHub draws it in the pull-request comment): the networks, the NICs and
 * the hosts, coloured by what happens to them (added, changed, removed). A NIC is joined to its network and to the host
 * its port is added to, changed on (solid) or removed from (dotted); a host that only learns or forgets addresses of a
 * network (mappings) is joined to that network by a dotted line. Large plans show the first {@link #MAX_NODES} NICs and
 * hosts and count the rest.
 */
final class MermaidDiagram {

    static final int MAX_NODES = 40;

    private MermaidDiagram() {
    }

    private record Node(String id, String label, String shape, Action action) {
    }

    /** The next node of a kind: its id is the kind's prefix and how many nodes of the kind there are so far. */
    private static Node node(Map<String, Node> kind, String prefix, String label, String shape, Action action) {
        return new Node(prefix + kind.size(), label, shape, action);
    }

    /** The object a change is about: as it will be, or as it was when removed. */
    private static dev.weft.contract.HostObject object(ObjectChange change) {
        return change.after() != null ? change.after() : change.before();
    }

    /** The diagram's lines, in a ```mermaid block; empty when the plan touches no network, NIC or host. */
    static String render(Plan plan) {
        Map<String, Node> networks = new TreeMap<>();
        Map<String, Node> nics = new TreeMap<>();
        Map<String, Node> hosts = new TreeMap<>();
        Map<Integer, String> networkOfVni = new TreeMap<>();
        Set<String> edges = new LinkedHashSet<>();
        for (ResourceChange r : plan.resources()) {
            String name = r.id().namespace() + "/" + r.id().name();
            if (r.id().kind() == Kind.VirtualNetwork) {
                networks.put(name, node(networks, "net_", name, "network", r.action()));
            } else if (r.id().kind() == Kind.NetworkInterface) {
                nics.put(name, node(nics, "nic_", name, "nic", r.action()));
            }
        }
        for (HostChange h : plan.hosts()) { // VNIs to network names, from every Network and Port object in the plan
            for (ObjectChange o : h.objects()) {
                var object = object(o);
                if (object.kind() == ObjectKind.Network) {
                    NetworkSpec n = object.spec(NetworkSpec.class);
                    networkOfVni.put(n.vni(), n.namespace() + "/" + n.name());
                } else if (object.kind() == ObjectKind.Port) {
                    PortSpec p = object.spec(PortSpec.class);
                    networkOfVni.put(p.vni(), p.network());
                }
            }
        }
        for (HostChange h : plan.hosts()) {
            Node host = hosts.computeIfAbsent(h.host(), name -> node(hosts, "host_", name, "host", null));
            for (ObjectChange o : h.objects()) {
                var object = object(o);
                if (object.kind() == ObjectKind.Port) {
                    PortSpec p = object.spec(PortSpec.class);
                    String name = p.namespace() + "/" + p.name();
                    Node nic = nics.computeIfAbsent(name, n -> node(nics, "nic_", n, "nic", o.action()));
                    Node network = networks.computeIfAbsent(p.network(), n -> node(networks, "net_", n, "network", null));
                    edges.add(nic.id() + " --- " + network.id());
                    edges.add(nic.id() + (o.action() == Action.remove ? " -. removed .-> " : " --> ") + host.id());
                } else if (object.kind() == ObjectKind.Mapping) {
                    String name = networkOfVni.get(object.spec(MappingSpec.class).vni());
                    if (name != null) {
                        Node network = networks.computeIfAbsent(name, n -> node(networks, "net_", n, "network", null));
                        edges.add(network.id() + " -. mappings .-> " + host.id());
                    }
                }
            }
        }
        if (networks.isEmpty() && nics.isEmpty() && hosts.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("```mermaid\nflowchart LR\n");
        Set<String> shown = new LinkedHashSet<>();
        List<Node> all = new ArrayList<>(networks.values());
        all.addAll(nics.values().stream().limit(MAX_NODES).toList());
        all.addAll(hosts.values().stream().limit(MAX_NODES).toList());
        for (Node n : all) {
            String label = "\"" + n.label().replace("\"", "'") + "\"";
            String shape = switch (n.shape()) {
                case "network" -> "[" + label + "]";
                case "nic" -> "([" + label + "])";
                default -> "{{" + label + "}}";
            };
            out.append("  ").append(n.id()).append(shape).append(n.action() == null ? "" : ":::" + n.action().name()).append('\n');
            shown.add(n.id());
        }
        for (String edge : edges) {
            String[] ends = edge.split(" ");
            if (shown.contains(ends[0]) && shown.contains(ends[ends.length - 1])) {
                out.append("  ").append(edge).append('\n');
            }
        }
        long hidden = Math.max(0, nics.size() - MAX_NODES) + Math.max(0, hosts.size() - MAX_NODES);
        if (hidden > 0) {
            out.append("  more[\"…and ").append(hidden).append(" more NICs and hosts\"]\n");
        }
        out.append("  classDef add fill:#d7f5dd,stroke:#1a7f37\n  classDef change fill:#fff1c2,stroke:#9a6700\n")
                .append("  classDef remove fill:#ffd8d3,stroke:#cf222e\n```\n");
        return out.toString();
    }
}
