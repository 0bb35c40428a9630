package dev.weft.fastpath;

import static dev.weft.fastpath.Frames.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Whatever a VM asks the host's DNS (random, truncated, bit-flipped queries, over UDP or TCP): nothing throws, and answers go only to the asking port. */
class DnsProperties {

    @Provide
    Arbitrary<List<byte[]>> queries() {
        Arbitrary<byte[]> valid = Combinators.combine(Arbitraries.of("web-2.blue.tenant-a.internal", "app-1.red.tenant-b.internal", "example.com",
                "5.1.1.10.in-addr.arpa", "x.internal", "internal"), Arbitraries.of(1, 12, 28, 255))
                .as(DnsTest::question);
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300);
        Arbitrary<byte[]> mutated = Combinators.combine(Arbitraries.oneOf(valid, random), Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 60)).as((dns, mode, seed, cut) -> switch (mode) {
                    case 1 -> java.util.Arrays.copyOf(dns, Math.min(dns.length, cut));
                    case 2 -> {
                        byte[] copy = dns.clone();
                        if (copy.length > 0) {
                            copy[seed % copy.length] ^= (byte) (1 << (seed >>> 24 & 7));
                        }
                        yield copy;
                    }
                    default -> dns;
                });
        Arbitrary<byte[]> overTcp = Combinators.combine(Arbitraries.integers().between(0, 0x3f), Arbitraries.integers(), Arbitraries.integers(),
                mutated).as((flags, seq, ack, dns) -> DnsTest.tcp(flags, seq, ack,
                        java.nio.ByteBuffer.allocate(2 + dns.length).putShort((short) dns.length).put(dns).array()));
        return Arbitraries.oneOf(mutated.map(DnsTest::query), overTcp).list().ofMinSize(1).ofMaxSize(32);
    }

    @Property(tries = 2000)
    void dnsNeverThrowsAndOnlyAnswersTheAskingPort(@ForAll("queries") List<byte[]> queries) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1)) {
            queries.forEach(q -> batch.add(q, WEB1));
            new Pipeline(64).process(batch, tables);
            for (int i = 0; i < batch.count(); i++) {
                assertThat(batch.verdict[i]).isNotEqualTo(PacketBatch.TO_UNDERLAY);
                if (batch.verdict[i] == PacketBatch.TO_PORT) {
                    assertThat(batch.outPort[i]).isEqualTo(WEB1);
                }
            }
        }
    }
}
