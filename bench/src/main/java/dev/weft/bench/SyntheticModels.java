package dev.weft.bench;

import dev.weft.model.Encapsulation;
import dev.weft.model.Host;
import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import dev.weft.model.Subnet;
import dev.weft.model.VirtualNetwork;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** Large models of the same shape as bench/gen-repo.py writes, built in memory. */
final class SyntheticModels {

    private SyntheticModels() {
    }

    static Model of(int hostCount, int networkCount, int nicCount) {
        List<Host> hosts = new ArrayList<>();
        for (int h = 0; h < hostCount; h++) {
            hosts.add(new Host("host-%04d".formatted(h), Map.of("rack", "r%02d".formatted(h / 25)),
                    new Ipv4(0xc6120000 | ((h / 250) << 8) | (h % 250 + 1)), Optional.empty()));
        }
        List<VirtualNetwork> networks = new ArrayList<>();
        List<NetworkInterface> nics = new ArrayList<>();
        int perNetwork = nicCount / networkCount;
        int index = 0;
        for (int n = 0; n < networkCount; n++) {
            String namespace = "tenant-%03d".formatted(n / 5);
            int local = n % 5;
            Ipv4Prefix web = Ipv4Prefix.parse("10." + local + ".0.0/22");
            Ipv4Prefix db = Ipv4Prefix.parse("10." + local + ".4.0/22");
            VirtualNetwork network = new VirtualNetwork(namespace, "net-" + local, Map.of(), 10000 + n, Encapsulation.VXLAN,
                    List.of(Ipv4Prefix.parse("10." + local + ".0.0/16")), List.of(new Subnet("web", web), new Subnet("db", db)));
            networks.add(network);
            for (int j = 0; j < perNetwork; j++) {
                nics.add(nic(network, j, "host-%04d".formatted((n * 7 + j * 13) % hostCount), index++));
            }
        }
        return Model.of("synthetic", hosts, networks, nics);
    }

    static NetworkInterface nic(VirtualNetwork network, int j, String host, int index) {
        Subnet subnet = network.subnets().get(j % 2);
        Ipv4 ip = subnet.addressPrefix().networkAddress().plus(j / 2 + 2);
        return new NetworkInterface(network.namespace(), "nic-" + network.name().substring(4) + "-%04d".formatted(j), Map.of(),
                network.name(), subnet.name(), host, new MacAddress(0x0200_0000_0000L + index), ip);
    }

    /** {@code model} plus one NIC in its first network: a one-NIC pull request. Every other record is shared. */
    static Model withOneMoreNic(Model model) {
        VirtualNetwork first = model.networks().firstEntry().getValue();
        int count = (int) model.interfaces().values().stream().filter(n -> n.networkId().equals(first.id())).count();
        NetworkInterface added = nic(first, count, model.hosts().lastKey(), model.interfaces().size());
        TreeMap<dev.weft.model.ResourceId, NetworkInterface> nics = new TreeMap<>(model.interfaces());
        nics.put(added.id(), added);
        return new Model("one-more-nic", model.hosts(), model.networks(), nics);
    }
}
