package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.security.Classifier;
import dev.weft.fastpath.security.RuleTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** The vector classifier agrees with a naive reference on random rule sets and packets. */
class ClassifierProperties {

    /** Rule by rule, prefix by prefix: what "the first matching rule decides" means, written plainly. */
    static int reference(List<RuleTable.Rule> rules, int src, int dst, int protocol, int srcPort, int dstPort) {
        for (int r = 0; r < rules.size(); r++) {
            RuleTable.Rule rule = rules.get(r);
            boolean protocolMatches = rule.protocol() == RuleTable.ANY_PROTOCOL || rule.protocol() == protocol;
            boolean sourceMatches = rule.sources().stream().anyMatch(p -> (src & p[1]) == (p[0] & p[1]));
            boolean destinationMatches = rule.destinations().stream().anyMatch(p -> (dst & p[1]) == (p[0] & p[1]));
            boolean sourcePortMatches = rule.sourcePorts().stream().anyMatch(p -> srcPort >= p[0] && srcPort <= p[1]);
            boolean destinationPortMatches = rule.destinationPorts().stream().anyMatch(p -> dstPort >= p[0] && dstPort <= p[1]);
            if (protocolMatches && sourceMatches && destinationMatches && sourcePortMatches && destinationPortMatches) {
                return r;
            }
        }
        return -1;
    }

    static int[] prefix(Random random) {
        int length = random.nextInt(5) == 0 ? 0 : 8 + random.nextInt(25);
        int mask = length == 0 ? 0 : -1 << (32 - length);
        return new int[] {(0x0a000000 | random.nextInt(1 << 16)) & mask, mask};
    }

    static int[] ports(Random random) {
        if (random.nextInt(3) == 0) {
            return new int[] {0, 65535};
        }
        int from = random.nextInt(1024);
        return new int[] {from, from + random.nextInt(100)};
    }

    @Property(tries = 300)
    void vectorAndScalarAgreeWithTheReference(@ForAll long seed) {
        Random random = new Random(seed);
        List<RuleTable.Rule> rules = new ArrayList<>();
        int count = 1 + random.nextInt(60);
        for (int r = 0; r < count; r++) {
            rules.add(new RuleTable.Rule("r" + r, random.nextBoolean(), new int[] {0, 1, 6, 17}[random.nextInt(4)],
                    List.of(prefix(random), prefix(random)), List.of(prefix(random)), List.of(ports(random)),
                    List.of(ports(random), ports(random)), false));
        }
        RuleTable table = new RuleTable(rules);
        for (int k = 0; k < 200; k++) {
            int src = 0x0a000000 | random.nextInt(1 << 16);
            int dst = 0x0a000000 | random.nextInt(1 << 16);
            int protocol = new int[] {1, 6, 17}[random.nextInt(3)];
            int srcPort = random.nextInt(1200);
            int dstPort = random.nextInt(1200);
            int expected = reference(rules, src, dst, protocol, srcPort, dstPort);
            assertThat(Classifier.vector(table, src, dst, protocol, srcPort, dstPort)).isEqualTo(expected);
            assertThat(Classifier.scalar(table, src, dst, protocol, srcPort, dstPort)).isEqualTo(expected);
        }
    }
}
