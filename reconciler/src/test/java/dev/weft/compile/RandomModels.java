package dev.weft.compile;

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
import java.util.Random;

/**
 * Valid random models drawn from small pools of names and addresses, so two random models share many
 * resources and differ in a few: hosts come and go or move underlay address, networks change VNI,
 * encapsulation and subnets, NICs move between hosts, subnets and addresses.
 */
public final class RandomModels {

    private RandomModels() {
    }

    public static Model of(long seed) {
        Random random = new Random(seed);
        List<Host> hosts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            if (i == 0 || random.nextInt(4) > 0) {
                hosts.add(new Host("host-" + i, Map.of(), new Ipv4(0xc6120000 | (i << 8) | (1 + random.nextInt(2))), Optional.empty()));
            }
        }
        List<VirtualNetwork> networks = new ArrayList<>();
        List<NetworkInterface> nics = new ArrayList<>();
        long mac = 0x0200_0000_0000L;
        for (int n = 0; n < 4; n++) {
            if (random.nextInt(4) == 0) {
                continue;
            }
            String namespace = "tenant-" + (n % 2);
            int subnets = 1 + random.nextInt(2);
            List<Subnet> subnetList = new ArrayList<>();
            for (int s = 0; s < subnets; s++) {
                int length = random.nextBoolean() ? 24 : 25;
                subnetList.add(new Subnet("s" + s, new Ipv4Prefix(new Ipv4(0x0a000000 | (n << 16) | (s << 8)), length)));
            }
            VirtualNetwork network = new VirtualNetwork(namespace, "net-" + n, Map.of(), 5000 + n + 100 * random.nextInt(2),
                    random.nextInt(3) == 0 ? Encapsulation.NVGRE : Encapsulation.VXLAN,
                    List.of(new Ipv4Prefix(new Ipv4(0x0a000000 | (n << 16)), 16)), subnetList);
            networks.add(network);
            for (int k = 0; k < 6; k++) {
                if (random.nextInt(3) == 0) {
                    continue;
                }
                Subnet subnet = subnetList.get(random.nextInt(subnetList.size()));
                Ipv4 ip = subnet.addressPrefix().networkAddress().plus(2 + k);
                Host host = hosts.get(random.nextInt(hosts.size()));
                nics.add(new NetworkInterface(namespace, "nic-" + n + "-" + k, Map.of(), network.name(), subnet.name(), host.name(),
                        new MacAddress(mac + (n << 8) + k + (random.nextInt(8) == 0 ? 0x100000 : 0)), ip));
            }
        }
        return Model.of("r" + seed, hosts, networks, nics);
    }
}
