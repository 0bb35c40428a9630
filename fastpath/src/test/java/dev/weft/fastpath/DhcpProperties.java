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

/** Whatever DHCP a VM sends (random, truncated, bit-flipped): nothing throws, and an answer only ever goes back to that VM's port. */
class DhcpProperties {

    record Request(byte[] frame, int port) {
    }

    @Provide
    Arbitrary<List<Request>> requests() {
        Arbitrary<byte[]> valid = Combinators.combine(Arbitraries.of(1, 3, 4, 7, 8, 2, 0, 200), Arbitraries.of(WEB1_MAC, DB2_MAC, APP1_MAC),
                        Arbitraries.of(0, ip("10.1.1.4"), ip("10.1.2.5"), ip("10.1.1.9")), Arbitraries.of(0, 0x8000))
                .as((type, mac, address, flags) -> DhcpTest.dhcp(mac, address, 0xffff_ffff, address, flags,
                        DhcpTest.options(type, 50, address, 54, ip("10.1.1.1"))));
        Arbitrary<byte[]> mutated = Combinators.combine(valid, Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers().between(0, 400)).as((frame, mode, seed, cut) -> switch (mode) {
                    case 1 -> java.util.Arrays.copyOf(frame, Math.min(frame.length, cut));
                    case 2 -> {
                        byte[] copy = frame.clone();
                        copy[seed % copy.length] ^= (byte) (1 << (seed >>> 24 & 7));
                        yield copy;
                    }
                    case 3 -> {
                        byte[] copy = frame.clone(); // options turned into noise after the message type
                        for (int k = 14 + 20 + 8 + 243; k < copy.length; k++) {
                            copy[k] = (byte) (seed * (k + 7));
                        }
                        yield copy;
                    }
                    default -> frame;
                });
        return Combinators.combine(mutated, Arbitraries.of(WEB1, DB2, APP1, WEB3)).as(Request::new).list().ofMinSize(1).ofMaxSize(32);
    }

    @Property(tries = 2000)
    void dhcpNeverThrowsAndIsOnlyEverAnsweredToItsOwnPort(@ForAll("requests") List<Request> requests) {
        try (PacketBatch batch = new PacketBatch(); ForwardingTables tables = Frames.tables(1)) {
            for (Request r : requests) {
                batch.add(r.frame(), r.port());
            }
            new Pipeline(64).process(batch, tables);
            for (int i = 0; i < batch.count(); i++) {
                assertThat(batch.verdict[i]).as("DHCP never leaves the host").isNotEqualTo(PacketBatch.TO_UNDERLAY);
                if (batch.verdict[i] == PacketBatch.TO_PORT && (batch.frame(i).length > 36 && u16(batch.frame(i), 34) == 67)) {
                    assertThat(batch.outPort[i]).as("a DHCP answer goes to the port that asked").isEqualTo(requests.get(i).port());
                }
            }
        }
    }
}
