package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.io.Native;
import dev.weft.fastpath.io.UnixChannel;
import dev.weft.fastpath.vhost.SplitQueue;
import dev.weft.fastpath.vhost.VhostUser;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The vhost-user backend fuzzed through its control socket, as a hostile or broken frontend would talk to it: random
 * sequences of requests (known and unknown) with random words, memory tables whose regions may reach past their memfd,
 * rings anywhere, sizes that aren't powers of two, descriptors passed where none belong. Each message is carried out or
 * refused with a {@link VhostUser.VhostUserException} that ends the connection; nothing else is ever thrown, and whatever
 * queues it sets up can be read (random ring contents) without a fault. (An {@link java.io.IOException} writing a reply to a
 * frontend that has gone ends the connection the same way.)
 */
class VhostUserProperties {

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Where the frontend says its memory is (user space) and where the guest sees it (guest-physical). */
    static final long USER = 0x7f00_0000_0000L;
    static final long GPA = 0x1000_0000L;

    /** One message: its request, flags, payload words, and what it passes: 0 nothing, 1 the memfd, 2 an eventfd, 3 both. */
    record Message(int request, int flags, long[] words, int passes) {
    }

    @Provide
    Arbitrary<List<Message>> sessions() {
        Arbitrary<Integer> request = Arbitraries.oneOf(Arbitraries.integers().between(1, 18), Arbitraries.integers().between(0, 1 << 20));
        Arbitrary<Long> word = Arbitraries.oneOf(
                Arbitraries.longs().between(0, 3), // queue indexes, region counts
                Arbitraries.of(1L, 8L, 256L, 3L, 1L << 16, 32768L).map(n -> n << 32 | 1), // queue 1, a ring size (not all powers of two)
                Arbitraries.longs().between(0, 1 << 21).map(o -> USER + o), // a ring's address in (or past) the memory
                Arbitraries.longs().between(0, 1 << 21).map(o -> GPA + o),
                Arbitraries.of(0x1000L, 0x10000L, 0x100000L, 0x200000L, -1L), // region sizes, some past the memfd
                Arbitraries.longs());
        Arbitrary<Message> message = Combinators.combine(request, Arbitraries.of(1, 1 | 8, 0, 2),
                word.list().ofMaxSize(6).map(l -> l.stream().mapToLong(Long::longValue).toArray()), Arbitraries.integers().between(0, 3)).as(Message::new);
        Arbitrary<Message> table = Arbitraries.of(0x1000L, 0x10000L, 0x100000L, 0x200000L, Long.MAX_VALUE)
                .map(size -> new Message(VhostUser.SET_MEM_TABLE, 1, new long[] {1, GPA, size, USER, 0}, 1));
        Arbitrary<List<Message>> random = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, message), net.jqwik.api.Tuple.of(1, table)).list().ofMaxSize(16);
        // a queue set up as a frontend does (memory, size, rings, enable), its values drawn from the edges, then anything
        Arbitrary<Long> ringAt = Arbitraries.of(0L, 0x1000L, 0x2000L, 0xff000L, 0xffff0L, 0x1ff000L, -0x1000L).map(o -> USER + o);
        Arbitrary<List<Message>> setUp = Combinators.combine(table, Arbitraries.integers().between(0, 1),
                Arbitraries.of(8L, 256L, 4096L, 3L), ringAt, ringAt, ringAt, random).as((t, q, size, d, u, a, rest) -> {
                    List<Message> all = new java.util.ArrayList<>(List.of(t,
                            new Message(VhostUser.SET_VRING_NUM, 1, new long[] {size << 32 | q}, 0),
                            new Message(VhostUser.SET_VRING_ADDR, 1, new long[] {q, d, u, a, 0}, 0),
                            new Message(VhostUser.SET_VRING_KICK, 1, new long[] {q}, 2),
                            new Message(VhostUser.SET_VRING_ENABLE, 1, new long[] {1L << 32 | q}, 0)));
                    all.addAll(rest);
                    return all;
                });
        return Arbitraries.oneOf(random, setUp);
    }

    @Property(tries = 1000)
    void aFrontendsMessagesAreCarriedOutOrRefusedNothingElse(@ForAll("sessions") List<Message> messages,
                                                            @ForAll @net.jqwik.api.constraints.Size(max = 8192) byte[] junk, @ForAll int at)
            throws Exception {
        Path dir = Files.createTempDirectory("weft-vhost-control-fuzz");
        Path socket = dir.resolve("fuzz.sock");
        int listener = UnixChannel.listen(socket);
        int memfd = Native.memfdCreate("fuzzed-guest");
        Native.ftruncate(memfd, 0x100000); // 1 MB: some regions claim more
        int eventfd = Native.eventfd();
        MemorySegment ram = Native.mmap(memfd, 0x100000);
        MemorySegment.copy(MemorySegment.ofArray(junk), 0, ram, Math.floorMod(at, 0x100000 - junk.length), junk.length); // ring contents
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (UnixChannel channel = UnixChannel.accept(listener); VhostUser backend = new VhostUser(channel)) {
                SplitQueue.Chain chain = new SplitQueue.Chain();
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment frame = arena.allocate(2048);
                    while (backend.handle()) {
                        for (int q = 0; q < VhostUser.QUEUES; q++) { // whatever the rings hold: read a few chains
                            SplitQueue queue = backend.queue(q);
                            for (int k = 0; queue != null && k < 4 && queue.next(chain) >= 0; k++) {
                                SplitQueue.read(chain, 12, frame);
                                queue.put(chain.head, 0);
                            }
                        }
                    }
                }
                ended.complete(null);
            } catch (Throwable e) {
                ended.complete(e);
            }
        });
        try (Arena arena = Arena.ofConfined(); UnixChannel front = UnixChannel.connect(socket)) {
            for (Message m : messages) {
                MemorySegment out = arena.allocate(12 + 8L * m.words().length);
                out.set(U32, 0, m.request());
                out.set(U32, 4, m.flags());
                out.set(U32, 8, 8 * m.words().length);
                for (int k = 0; k < m.words().length; k++) {
                    out.set(U64, 12 + 8L * k, m.words()[k]);
                }
                int[] fds = switch (m.passes()) {
                    case 1 -> new int[] {memfd};
                    case 2 -> new int[] {eventfd};
                    case 3 -> new int[] {memfd, eventfd};
                    default -> new int[0];
                };
                try {
                    front.send(out, fds);
                } catch (java.io.IOException e) {
                    break; // the backend ended the connection
                }
            }
        } finally {
            Throwable e = ended.get(10, TimeUnit.SECONDS);
            Native.munmap(ram);
            Native.close(memfd);
            Native.close(eventfd);
            Native.close(listener);
            Files.deleteIfExists(socket);
            Files.deleteIfExists(dir);
            if (e != null) {
                // refused (a VhostUserException), or the frontend gone before a reply: either ends only this connection
                assertThat(e).as("carried out, or the connection ended").isInstanceOf(java.io.IOException.class);
            }
        }
    }
}
