package dev.weft.netns;

import dev.weft.fastpath.io.TapNames;
import dev.weft.model.Host;
import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A lab of network namespaces on this machine that looks like the manifests: one namespace per Host
 * ({@code host.<name>}) with a veth into a shared underlay bridge ({@code weft-underlay}) carrying its
 * underlay address, and one namespace per NetworkInterface ({@code <tenant>.<nic>}) that plays the VM:
 * it holds the NIC's TAP device (made by the agent in the host's namespace, moved here and named
 * {@code eth0}) with the manifest's MAC and IP and a default route via the subnet gateway.
 * Everything it made is removed by {@link #close()}; {@link #removeLeftovers} clears a crashed run's.
 */
public final class Topology implements AutoCloseable {

    public static final String UNDERLAY = "weft-underlay";
    /** The namespace standing for the outside world when the repository has a LogicalNetwork: it holds the default gateway. */
    public static final String INTERNET = "internet";
    public static final int UNDERLAY_MTU = 9000;

    private final Set<String> created = new LinkedHashSet<>();

    public static String hostNamespace(String host) {
        return "host." + host;
    }

    public static String vmNamespace(NetworkInterface nic) {
        return nic.namespace() + "." + nic.name();
    }

    /** Removes the namespaces a previous run would have made for this model, if they are still there. */
    public static void removeLeftovers(Model model) {
        List<String> names = new ArrayList<>();
        model.interfaces().values().forEach(nic -> names.add(vmNamespace(nic)));
        model.hosts().keySet().forEach(h -> names.add(hostNamespace(h)));
        names.add(UNDERLAY);
        names.add(INTERNET);
        for (String name : names) {
            if (exists(name)) {
                quietly("ip", "netns", "del", name);
            }
            if (new java.io.File("/etc/netns/" + name).isDirectory()) {
                quietly("rm", "-rf", "/etc/netns/" + name); // a VM's resolver configuration
            }
        }
    }

    private static boolean exists(String namespace) {
        return new java.io.File("/var/run/netns/" + namespace).exists();
    }

    private void namespace(String name) throws IOException {
        if (!exists(name)) {
            run("ip", "netns", "add", name);
            run("ip", "-n", name, "link", "set", "lo", "up");
        }
        created.add(name);
    }

    /** The underlay bridge and one namespace per host, each with its underlay address. */
    public void build(Model model) throws IOException {
        namespace(UNDERLAY);
        if (!run("ip", "-n", UNDERLAY, "link", "show").contains(" br0:")) {
            run("ip", "-n", UNDERLAY, "link", "add", "br0", "type", "bridge");
            run("ip", "-n", UNDERLAY, "link", "set", "br0", "up");
        }
        for (Host host : model.hosts().values()) {
            addHost(host);
        }
        model.logicalNetworks().values().stream().findFirst().ifPresent(l -> {
            try {
                addInternet(l);
                for (Host host : model.hosts().values()) {
                    if (host.uplink().filter(u -> u.logicalNetwork().equals(l.name())).isPresent()) {
                        addUplink(host);
                    }
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    /** Attaches {@code dev} (the peer of {@code port}) to the bridge, up, with IPv6 off so the lab's captures hold only what Weft sends. */
    private void bridge(String port, String ns, String dev) throws IOException {
        run("ip", "-n", UNDERLAY, "link", "set", port, "master", "br0");
        run("ip", "-n", UNDERLAY, "link", "set", port, "up");
        quietly("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv6.conf." + dev + ".disable_ipv6=1");
        run("ip", "-n", ns, "link", "set", dev, "up");
    }

    /** The {@code internet} namespace on the bridge, holding the logical network's default gateway address. */
    private void addInternet(dev.weft.model.LogicalNetwork network) throws IOException {
        if (created.contains(INTERNET)) {
            return;
        }
        namespace(INTERNET);
        run("ip", "link", "add", "inet0", "netns", UNDERLAY, "type", "veth", "peer", "name", "eth0", "netns", INTERNET);
        bridge("inet0", INTERNET, "eth0");
        run("ip", "-n", INTERNET, "addr", "add", network.defaultGateway() + "/" + network.addressPrefix().length(), "dev", "eth0");
    }

    /** The host's uplink device on the bridge, named as its manifest says, without an address: the agent owns it. */
    private void addUplink(Host host) throws IOException {
        String ns = hostNamespace(host.name());
        String dev = host.uplink().orElseThrow().interfaceName();
        if (run("ip", "-n", ns, "link", "show").contains(" " + dev + ":")) {
            return;
        }
        String port = "x" + String.format("%08x", host.name().hashCode());
        run("ip", "link", "add", port, "netns", UNDERLAY, "type", "veth", "peer", "name", dev, "netns", ns);
        // The uplink shares the underlay's bridge: the host's kernel must answer ARP for its underlay address on the
        // underlay device only, or its neighbours send underlay traffic to the uplink's MAC.
        run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_ignore=1");
        run("ip", "netns", "exec", ns, "sysctl", "-q", "-w", "net.ipv4.conf.all.arp_announce=2");
        bridge(port, ns, dev);
    }

    public void addHost(Host host) throws IOException {
        String ns = hostNamespace(host.name());
        if (created.contains(ns)) {
            return;
        }
        namespace(ns);
        String port = "u" + String.format("%08x", host.name().hashCode());
        run("ip", "link", "add", port, "netns", UNDERLAY, "type", "veth", "peer", "name", "eth0", "netns", ns);
        // A jumbo underlay, as in a datacenter: a full 1,500-byte tenant frame plus VXLAN's 50 bytes fits unfragmented.
        run("ip", "-n", UNDERLAY, "link", "set", port, "mtu", Integer.toString(UNDERLAY_MTU));
        run("ip", "-n", ns, "link", "set", "eth0", "mtu", Integer.toString(UNDERLAY_MTU));
        run("ip", "-n", UNDERLAY, "link", "set", port, "master", "br0");
        run("ip", "-n", UNDERLAY, "link", "set", port, "up");
        run("ip", "-n", ns, "addr", "add", host.underlayAddress() + "/15", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
    }

    /** What busybox's udhcpc runs when it has a lease: configures the VM's eth0 with what DHCP gave it. */
    private static final String DHCP_SCRIPT = """
            #!/bin/sh
            case "$1" in
              bound|renew)
                busybox ifconfig "$interface" "$ip" netmask "$subnet" ${mtu:+mtu "$mtu"}
                ip route replace default via "$router"
                if [ -n "$WEFT_VM" ]; then # ip netns exec shows /etc/netns/<vm>/resolv.conf as the VM's /etc/resolv.conf
                  mkdir -p "/etc/netns/$WEFT_VM"
                  { for server in $dns; do echo "nameserver $server"; done; [ -n "$search" ] && echo "search $search"; } > "/etc/netns/$WEFT_VM/resolv.conf"
                fi
                ;;
            esac
            """;

    private java.nio.file.Path dhcpScript;

    /** The udhcpc script, written once. */
    private String dhcpScript() throws IOException {
        if (dhcpScript == null) {
            if (!quietly("busybox", "true")) {
                throw new IOException("the namespace lab configures its VMs by DHCP with busybox's udhcpc: install the Debian package busybox");
            }
            dhcpScript = java.nio.file.Files.createTempFile("weft-udhcpc-", ".sh");
            java.nio.file.Files.writeString(dhcpScript, DHCP_SCRIPT);
            dhcpScript.toFile().setExecutable(true);
        }
        return dhcpScript.toString();
    }

    /**
     * Gives every NIC of the model its VM namespace and, once the agent of its host has made its TAP
     * device, moves the device in and has the VM configure itself by DHCP (busybox's udhcpc) from its
     * host's agent, as a stock VM image would. Idempotent: call it after every reconcile loop.
     */
    public void attach(Model model) throws IOException {
        attach(model, nic -> true);
    }

    /** As {@link #attach(Model)}, for the NICs {@code asNamespace} accepts (the others are, say, QEMU guests). */
    public void attach(Model model, java.util.function.Predicate<NetworkInterface> asNamespace) throws IOException {
        for (NetworkInterface nic : model.interfaces().values()) {
            if (!asNamespace.test(nic)) {
                continue;
            }
            String vm = vmNamespace(nic);
            namespace(vm);
            if (run("ip", "-n", vm, "link", "show").contains(" eth0:")) {
                continue;
            }
            String tap = TapNames.of(nic.namespace() + "/" + nic.name());
            String hostNs = hostNamespace(nic.host());
            if (!quietly("ip", "-n", hostNs, "link", "show", tap)) {
                continue; // the agent hasn't made it yet
            }
            String script = dhcpScript();
            run("ip", "-n", hostNs, "link", "set", tap, "netns", vm);
            run("ip", "-n", vm, "link", "set", tap, "name", "eth0");
            run("ip", "-n", vm, "link", "set", "eth0", "address", nic.macAddress().toString());
            run("ip", "-n", vm, "link", "set", "eth0", "up");
            if (nic.enableIPForwarding()) { // a virtual appliance: its kernel routes what is routed through it, back out of eth0
                for (String setting : List.of("net.ipv4.ip_forward=1", "net.ipv4.conf.all.send_redirects=0", "net.ipv4.conf.eth0.send_redirects=0")) {
                    run("ip", "netns", "exec", vm, "sysctl", "-q", "-w", setting);
                }
            }
            run("ip", "netns", "exec", vm, "env", "WEFT_VM=" + vm, "busybox", "udhcpc", "-i", "eth0", "-n", "-q", "-t", "5", "-T", "1",
                    "-O", "mtu", "-O", "search", "-s", script);
            resolvers.add(vm);
        }
    }

    /** VMs whose resolver configuration DHCP wrote under /etc/netns. */
    private final Set<String> resolvers = new LinkedHashSet<>();

    @Override
    public void close() {
        for (String vm : resolvers) {
            quietly("rm", "-rf", "/etc/netns/" + vm);
        }
        resolvers.clear();
        if (dhcpScript != null) {
            quietly("rm", "-f", dhcpScript.toString());
        }
        List<String> names = new ArrayList<>(created);
        java.util.Collections.reverse(names); // VMs first, then hosts, then the underlay
        for (String name : names) {
            quietly("ip", "netns", "del", name);
        }
        created.clear();
    }

    static String run(String... command) throws IOException {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed: " + out.trim());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    static boolean quietly(String... command) {
        try {
            run(command);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
