package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.fastpath.io.Native;
import dev.weft.fastpath.io.UnixChannel;
import dev.weft.fastpath.vhost.SplitQueue;
import dev.weft.fastpath.vhost.VhostUser;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vhost-user protocol over a real Unix socket, against a frontend written here as QEMU would speak it: guest memory in
 * a memfd passed with SCM_RIGHTS and mapped by both sides, the queue described, eventfds passed; then a frame the guest
 * makes available is read in place by the backend and returned used, which the guest sees in its own mapping.
 */
class VhostUserTest {

    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final long GPA = 0x1000_0000L;
    static final int RAM = 1 << 20;

    @TempDir
    Path dir;

    /** A frontend's side: sends requests, reads replies. */
    record Frontend(UnixChannel channel, Arena arena) {
        void send(int request, int flags, MemorySegment body, int... fds) throws Exception {
            MemorySegment m = arena.allocate(12 + body.byteSize());
            m.set(U32, 0, request);
            m.set(U32, 4, 0x1 | flags);
            m.set(U32, 8, (int) body.byteSize());
            MemorySegment.copy(body, 0, m, 12, body.byteSize());
            channel.send(m, fds);
        }

        long reply(int request) throws Exception {
            MemorySegment m = arena.allocate(20);
            channel.receive(m, new int[UnixChannel.MAX_FDS]);
            assertThat(m.get(U32, 0)).isEqualTo(request);
            assertThat(m.get(U32, 4) & 0x4).as("the reply flag").isEqualTo(0x4);
            return m.get(U64, 12);
        }

        MemorySegment body(long... words) {
            MemorySegment b = arena.allocate(8L * words.length);
            for (int k = 0; k < words.length; k++) {
                b.set(U64, 8L * k, words[k]);
            }
            return b;
        }

        /** A body of 32-bit words. */
        MemorySegment ints(int... words) {
            MemorySegment b = arena.allocate(4L * words.length);
            for (int k = 0; k < words.length; k++) {
                b.set(U32, 4L * k, words[k]);
            }
            return b;
        }
    }

    /** Serves one connection until it ends; completes with the VhostUser (closed) or the error that ended it. */
    static CompletableFuture<VhostUser> serve(int listener) {
        CompletableFuture<VhostUser> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (UnixChannel channel = UnixChannel.accept(listener)) {
                VhostUser backend = new VhostUser(channel);
                SERVED = backend;
                try {
                    while (backend.handle()) {
                        // one message at a time
                    }
                    done.complete(backend);
                } catch (Exception e) {
                    done.completeExceptionally(e);
                }
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        });
        return done;
    }

    static volatile VhostUser SERVED;

    @Test
    void aGuestFrameIsReadInPlaceFromMemoryTheFrontendShared() throws Exception {
        Path socket = dir.resolve("tenant-a_web-1.sock");
        int listener = UnixChannel.listen(socket);
        int memfd = Native.memfdCreate("guest");
        Native.ftruncate(memfd, RAM);
        MemorySegment ram = Native.mmap(memfd, RAM);
        long uva = ram.address();
        int kick = Native.eventfd();
        int call = Native.eventfd();
        try (Arena arena = Arena.ofConfined()) {
            CompletableFuture<VhostUser> served = serve(listener);
            Frontend front = new Frontend(UnixChannel.connect(socket), arena);
            front.send(VhostUser.GET_FEATURES, 0, arena.allocate(0));
            long offered = front.reply(VhostUser.GET_FEATURES);
            assertThat(offered & (1L << 32)).as("VIRTIO_F_VERSION_1").isNotZero();
            assertThat(offered & (1L << 15)).as("VIRTIO_NET_F_MRG_RXBUF").isNotZero();
            front.send(VhostUser.SET_FEATURES, 0, front.body(offered));
            front.send(VhostUser.GET_PROTOCOL_FEATURES, 0, arena.allocate(0));
            long protocol = front.reply(VhostUser.GET_PROTOCOL_FEATURES);
            front.send(VhostUser.SET_PROTOCOL_FEATURES, 0, front.body(protocol));
            front.send(VhostUser.SET_OWNER, 0, arena.allocate(0));
            front.send(VhostUser.SET_MEM_TABLE, 0, front.body(1, GPA, RAM, uva, 0), memfd);
            front.send(VhostUser.SET_VRING_NUM, 0, front.ints(1, 8));
            front.send(VhostUser.SET_VRING_ADDR, 0, front.body(1, uva, uva + 0x2000, uva + 0x1000, 0));
            front.send(VhostUser.SET_VRING_BASE, 0, front.ints(1, 0));
            front.send(VhostUser.SET_VRING_KICK, 0, front.body(1), kick);
            front.send(VhostUser.SET_VRING_CALL, 0, front.body(1), call);
            front.send(VhostUser.SET_VRING_ENABLE, 0x8, front.ints(1, 1)); // need_reply: the ack says all above is done
            assertThat(front.reply(VhostUser.SET_VRING_ENABLE)).as("REPLY_ACK: success").isZero();

            // the guest sends a frame: its virtio-net header (12 bytes) and 60 bytes, in one buffer at guest-physical 0x10010000
            for (int k = 0; k < 60; k++) {
                ram.set(ValueLayout.JAVA_BYTE, 0x10000 + 12 + k, (byte) (k + 1));
            }
            ram.set(U64, 0, GPA + 0x10000);
            ram.set(U32, 8, 72);
            ram.set(U16, 0x1000 + 4, (short) 0);
            ram.set(U16, 0x1000 + 2, (short) 1);
            SplitQueue tx = SERVED.queue(1);
            assertThat(tx).isNotNull();
            SplitQueue.Chain chain = new SplitQueue.Chain();
            assertThat(tx.next(chain)).isZero();
            MemorySegment frame = arena.allocate(60);
            assertThat(SplitQueue.read(chain, 12, frame)).isEqualTo(60);
            assertThat(frame.get(ValueLayout.JAVA_BYTE, 59)).isEqualTo((byte) 60);
            tx.put(chain.head, 0);
            assertThat(Short.toUnsignedInt(ram.get(U16, 0x2000 + 2))).as("the guest sees the chain used").isEqualTo(1);
            assertThat(SERVED.kick(1)).isNotNegative();
            assertThat(SERVED.queue(0)).as("queue 0 was never described").isNull();

            front.channel().close();
            assertThat(served.get(5, TimeUnit.SECONDS)).as("the frontend went: the connection ends cleanly").isNotNull();
        } finally {
            Native.munmap(ram);
            Native.close(memfd);
            Native.close(kick);
            Native.close(call);
            Native.close(listener);
        }
    }

    @Test
    void theSyntheticGuestExchangesFramesBothWays() throws Exception {
        Path socket = dir.resolve("tenant-a_web-3.sock");
        int listener = UnixChannel.listen(socket);
        try (Arena arena = Arena.ofConfined()) {
            CompletableFuture<VhostUser> served = serve(listener);
            try (dev.weft.fastpath.vhost.SyntheticGuest guest = new dev.weft.fastpath.vhost.SyntheticGuest(socket)) {
                assertThat(guest.features() & (1L << 32)).as("VIRTIO_F_VERSION_1 agreed").isNotZero();
                byte[] sent = Frames.ping(0x0200_0a01_0104L, 0x0200_0a01_0105L, Frames.ip("10.1.1.4"), Frames.ip("10.1.1.5"), 9);
                assertThat(guest.send(sent)).isTrue();
                SplitQueue tx = SERVED.queue(1);
                SplitQueue.Chain chain = new SplitQueue.Chain();
                int head = tx.next(chain);
                assertThat(head).isZero();
                MemorySegment frame = arena.allocate(sent.length);
                assertThat(SplitQueue.read(chain, dev.weft.fastpath.vhost.SyntheticGuest.NET_HEADER, frame)).isEqualTo(sent.length);
                assertThat(frame.toArray(ValueLayout.JAVA_BYTE)).isEqualTo(sent);
                tx.put(head, 0);
                assertThat(guest.taken()).isEqualTo(1);

                SplitQueue rx = SERVED.queue(0);
                assertThat(rx.next(chain)).as("a posted receive buffer").isNotNegative();
                byte[] reply = Frames.ping(0x0200_0a01_0105L, 0x0200_0a01_0104L, Frames.ip("10.1.1.5"), Frames.ip("10.1.1.4"), 9);
                MemorySegment withHeader = arena.allocate(dev.weft.fastpath.vhost.SyntheticGuest.NET_HEADER + reply.length);
                MemorySegment.copy(MemorySegment.ofArray(reply), 0, withHeader, dev.weft.fastpath.vhost.SyntheticGuest.NET_HEADER, reply.length);
                SplitQueue.Filler fill = new SplitQueue.Filler(new SplitQueue.Chain[] {chain});
                fill.start(1);
                int written = (int) fill.copy(withHeader, 0, withHeader.byteSize());
                rx.put(chain.head, written);
                assertThat(guest.receive()).isEqualTo(reply);
                assertThat(guest.receive()).isNull();
            }
            assertThat(served.get(5, TimeUnit.SECONDS)).isNotNull();
        } finally {
            Native.close(listener);
        }
    }

    /** A connection that sends {@code request} with the body {@code body} makes is refused with a message containing {@code why}. */
    static void expectRefused(int listener, Path socket, Arena arena, int request, java.util.function.Function<Frontend, MemorySegment> body, String why)
            throws Exception {
        CompletableFuture<VhostUser> served = serve(listener);
        Frontend front = new Frontend(UnixChannel.connect(socket), arena);
        front.send(request, 0, body.apply(front));
        assertThatThrownBy(() -> served.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(VhostUser.VhostUserException.class).hasMessageContaining(why);
        front.channel().close();
    }

    @Test
    void aMalformedMessageEndsOnlyThatConnection() throws Exception {
        Path socket = dir.resolve("tenant-a_web-2.sock");
        int listener = UnixChannel.listen(socket);
        try (Arena arena = Arena.ofConfined()) {
            expectRefused(listener, socket, arena, VhostUser.SET_VRING_NUM, a -> a.ints(1, 3), "power of two");
            expectRefused(listener, socket, arena, VhostUser.SET_MEM_TABLE, a -> a.body(9, 0, 0, 0, 0), "memory table of 9 regions");
            expectRefused(listener, socket, arena, VhostUser.SET_VRING_NUM, a -> a.ints(7, 8), "queue 7");
            expectRefused(listener, socket, arena, 99, a -> a.arena().allocate(0), "request 99 is not supported");
            expectRefused(listener, socket, arena, VhostUser.SET_VRING_ADDR, a -> a.ints(1, 0), "message too short");
        } finally {
            Native.close(listener);
        }
    }

    @Test
    void guestMemoryMustLieWithinItsFileAndASealableFileIsSealedAgainstShrinking() throws Exception {
        Path socket = dir.resolve("tenant-a_web-3.sock");
        int listener = UnixChannel.listen(socket);
        int small = Native.memfdCreate("guest");
        Native.ftruncate(small, 0x3000);
        int sealable = Native.memfdCreate("guest", true);
        Native.ftruncate(sealable, RAM);
        try (Arena arena = Arena.ofConfined()) {
            // a region said to be 1 MB in a file of 12 kB: reading past the file's end would fault, so it is refused
            CompletableFuture<VhostUser> refused = serve(listener);
            Frontend front = new Frontend(UnixChannel.connect(socket), arena);
            front.send(VhostUser.SET_MEM_TABLE, 0, front.body(1, GPA, RAM, 0x7f00_0000_0000L, 0), Native.dup(small));
            assertThatThrownBy(() -> refused.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(VhostUser.VhostUserException.class)
                    .hasMessageContaining("region 0 of 1048576 bytes at offset 0 is not within its file of 12288 bytes");
            front.channel().close();

            // a memfd that allows sealing: the backend seals it, so its frontend can't cut it under the port any more
            CompletableFuture<VhostUser> served = serve(listener);
            front = new Frontend(UnixChannel.connect(socket), arena);
            front.send(VhostUser.SET_MEM_TABLE, 0x8, front.body(1, GPA, RAM, 0x7f00_0000_0000L, 0), sealable);
            front.send(VhostUser.GET_FEATURES, 0, arena.allocate(0));
            front.reply(VhostUser.GET_FEATURES); // a round trip: the table is taken
            assertThat(Native.fcntl(sealable, Native.F_GET_SEALS, 0) & Native.F_SEAL_SHRINK).isNotZero();
            assertThat(Native.ftruncate(sealable, 0x3000)).as("shrinking is refused").isNegative();
            assertThat(Native.ftruncate(small, 0x1000)).as("a file that doesn't allow seals can still shrink").isZero();
            front.channel().close();
            assertThat(served.get(5, TimeUnit.SECONDS)).isNotNull();
        } finally {
            Native.close(small);
            Native.close(sealable);
            Native.close(listener);
        }
    }
}
