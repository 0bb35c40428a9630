package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fastpath.vhost.GuestMemory;
import dev.weft.fastpath.vhost.SplitQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A split virtqueue in a guest's memory (a megabyte at guest-physical 0x10000000): chains read and written in place, and
 * whatever a hostile guest writes into its rings is a counted error, never an exception or a byte outside its memory.
 */
class SplitQueueTest {

    static final long GPA = 0x1000_0000L;
    static final long UVA = 0x7f00_0000_0000L;
    static final int SIZE = 8;
    static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    Arena arena;
    MemorySegment ram;
    GuestMemory memory;
    SplitQueue queue;
    int availableIndex;

    @BeforeEach
    void setUp() {
        arena = Arena.ofConfined();
        ram = arena.allocate(1 << 20, 4096);
        memory = new GuestMemory(List.of(new GuestMemory.Region(GPA, UVA, 1 << 20, ram)));
        queue = new SplitQueue(memory, SIZE, memory.user(UVA, 16 * SIZE), memory.user(UVA + 0x1000, 6 + 2 * SIZE), memory.user(UVA + 0x2000, 6 + 8 * SIZE));
    }

    @AfterEach
    void tearDown() {
        arena.close();
    }

    void descriptor(int d, long address, int length, int flags, int next) {
        ram.set(U64, 16L * d, address);
        ram.set(U32, 16L * d + 8, length);
        ram.set(U16, 16L * d + 12, (short) flags);
        ram.set(U16, 16L * d + 14, (short) next);
    }

    /** The guest makes chain {@code head} available. */
    void offer(int head) {
        ram.set(U16, 0x1000 + 4 + 2L * (availableIndex % SIZE), (short) head);
        ram.set(U16, 0x1000 + 2, (short) ++availableIndex);
    }

    @Test
    void aFrameTheGuestSendsIsReadInPlaceAndItsChainGoesBackUsed() {
        for (int k = 0; k < 100; k++) {
            ram.set(ValueLayout.JAVA_BYTE, 0x10000 + 12 + k, (byte) k);
        }
        descriptor(3, GPA + 0x10000, 12, SplitQueue.F_NEXT, 5); // virtio-net header, then the frame
        descriptor(5, GPA + 0x10000 + 12, 100, 0, 0);
        offer(3);
        SplitQueue.Chain chain = new SplitQueue.Chain();
        assertThat(queue.next(chain)).isEqualTo(3);
        assertThat(chain.count).isEqualTo(2);
        MemorySegment frame = arena.allocate(2048);
        assertThat(SplitQueue.read(chain, 12, frame)).isEqualTo(100);
        assertThat(frame.get(ValueLayout.JAVA_BYTE, 99)).isEqualTo((byte) 99);
        queue.put(3, 0);
        assertThat(Short.toUnsignedInt(ram.get(U16, 0x2000 + 2))).as("used index").isEqualTo(1);
        assertThat(ram.get(U32, 0x2000 + 4)).as("used id").isEqualTo(3);
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.EMPTY);
    }

    @Test
    void aFrameForTheGuestIsWrittenIntoItsBuffers() {
        descriptor(0, GPA + 0x20000, 1000, SplitQueue.F_WRITE | SplitQueue.F_NEXT, 1);
        descriptor(1, GPA + 0x30000, 1000, SplitQueue.F_WRITE, 0);
        offer(0);
        SplitQueue.Chain chain = new SplitQueue.Chain();
        assertThat(queue.next(chain)).isZero();
        MemorySegment frame = arena.allocate(1500).fill((byte) 7);
        SplitQueue.Filler fill = new SplitQueue.Filler(new SplitQueue.Chain[] {chain});
        fill.start(1);
        assertThat(fill.copy(frame, 0, frame.byteSize())).isEqualTo(1500);
        assertThat(fill.filled(0)).isEqualTo(1500);
        queue.put(0, 1500);
        assertThat(ram.get(ValueLayout.JAVA_BYTE, 0x30000 + 499)).isEqualTo((byte) 7);
        assertThat(ram.get(U32, 0x2000 + 8)).as("used length").isEqualTo(1500);
    }

    @Test
    void whatAHostileGuestWritesIsACountedErrorAndTheChainGoesBack() {
        SplitQueue.Chain chain = new SplitQueue.Chain();
        descriptor(0, GPA + (1 << 20) - 10, 100, 0, 0); // past the end of its memory
        offer(0);
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.BAD_CHAIN);
        descriptor(1, 0x9000_0000L, 10, 0, 0); // no region there
        offer(1);
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.BAD_CHAIN);
        descriptor(2, GPA + 0x10000, 10, SplitQueue.F_NEXT, 2); // a loop
        offer(2);
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.BAD_CHAIN);
        descriptor(3, GPA + 0x10000, 10, SplitQueue.F_NEXT, 999); // next outside the table
        offer(3);
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.BAD_CHAIN);
        descriptor(4, GPA + 0x10000, 16, SplitQueue.F_INDIRECT, 0); // indirect: not offered
        offer(4);
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.BAD_CHAIN);
        offer(SIZE + 3); // a head outside the table
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.BAD_HEAD);
        assertThat(queue.errors).isEqualTo(6);
        assertThat(Short.toUnsignedInt(ram.get(U16, 0x2000 + 2))).as("the five chains with a valid head went back used").isEqualTo(5);
        ram.set(U16, 0x1000 + 2, (short) (availableIndex + SIZE + 1)); // more available than the ring holds
        assertThat(queue.next(chain)).isEqualTo(SplitQueue.RING_OVERFLOW);
    }

    /** Random descriptor tables and rings: never an exception, every buffer handed out inside the guest's memory. */
    @Property(tries = 500)
    void randomRingsNeverThrow(@ForAll @Size(value = 16 * SIZE) byte[] table, @ForAll @Size(value = 6 + 2 * SIZE) byte[] ring) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment guestRam = a.allocate(1 << 16);
            GuestMemory m = new GuestMemory(List.of(new GuestMemory.Region(0, 0, 1 << 16, guestRam)));
            MemorySegment.copy(MemorySegment.ofArray(table), 0, guestRam, 0, table.length);
            MemorySegment.copy(MemorySegment.ofArray(ring), 0, guestRam, 0x1000, ring.length);
            SplitQueue q = new SplitQueue(m, SIZE, m.user(0, 16 * SIZE), m.user(0x1000, 6 + 2 * SIZE), m.user(0x2000, 6 + 8 * SIZE));
            SplitQueue.Chain chain = new SplitQueue.Chain();
            for (int k = 0; k < 3 * SIZE; k++) {
                int head = q.next(chain);
                if (head == SplitQueue.EMPTY || head == SplitQueue.RING_OVERFLOW) {
                    break;
                }
                if (head >= 0) {
                    for (int b = 0; b < chain.count; b++) {
                        assertThat(chain.buffers[b].address() - guestRam.address()).isBetween(0L, (long) (1 << 16));
                    }
                    SplitQueue.read(chain, 0, a.allocate(4096));
                }
            }
        }
    }

    /**
     * VIRTIO_RING_F_EVENT_IDX across the used index's wrap from 65,535 to 0: the device calls when the index passes the
     * guest's {@code used_event} (virtio 1.x, 2.7.10), once, and writes the available index it wants a kick at into
     * {@code avail_event}.
     */
    @Test
    void eventIndicesAskForCallsAndKicksAcrossTheIndexWrap() {
        queue.eventIndex(true);
        queue.base(65_533);
        long usedEvent = 0x1000 + 4 + 2L * SIZE;
        ram.set(U16, usedEvent, (short) 65_535); // call me once entry 65,535 is used
        queue.put(0, 0); // used index 65,534
        assertThat(queue.callDue()).as("the first call after a restart goes whatever used_event says").isTrue();
        assertThat(queue.callDue()).as("nothing published since").isFalse();
        queue.put(0, 0); // 65,535: entry 65,534 used, not yet the one asked for
        assertThat(queue.callDue()).isFalse();
        queue.put(0, 0); // 0: entry 65,535 used
        assertThat(queue.callDue()).as("passed used_event, across the wrap").isTrue();
        queue.put(0, 0);
        queue.put(0, 0);
        assertThat(queue.callDue()).as("past it already: the guest hasn't asked again").isFalse();
        ram.set(U16, usedEvent, (short) 2); // the guest waits at the next entry
        queue.put(0, 0);
        queue.put(0, 0);
        assertThat(queue.callDue()).as("two entries at once, the one asked for among them").isTrue();

        queue.kicks(true);
        assertThat(Short.toUnsignedInt(ram.get(U16, 0x2000 + 4 + 8L * SIZE))).as("avail_event: the next available index").isEqualTo(65_533);
        assertThat(ram.get(U16, 0x2000)).as("the flags are left alone").isZero();
        ram.set(U16, 0x2000 + 4 + 8L * SIZE, (short) 7);
        queue.kicks(false);
        assertThat(ram.get(U16, 0x2000 + 4 + 8L * SIZE)).as("not wanted: avail_event left where the guest has passed it").isEqualTo((short) 7);
        assertThat(queue.kicksOff()).isTrue();
    }
}
