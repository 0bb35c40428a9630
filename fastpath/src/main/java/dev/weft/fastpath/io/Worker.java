package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.Counters;
import dev.weft.fastpath.packet.PacketBatch;
import dev.weft.fastpath.pipeline.Pipeline;
import dev.weft.fastpath.table.ForwardingTables;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One data-plane worker: a platform thread that waits in {@code epoll} on the TAP ports and the underlay
 * socket, reads a burst from each into one batch, runs the pipeline with the tables current at that
 * moment (read once per batch), and writes every frame out: to its port's TAP, or to the underlay with
 * one {@code sendmmsg}. No locks on the packet path; ports come and go through a concurrent map that
 * is read between batches.
 */
public final class Worker implements Runnable, AutoCloseable {

    private static final int EPOLLIN = 1;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLL_CTL_DEL = 2;

    private final Supplier<ForwardingTables> tables;
    private final Underlay underlay;
    private final Pipeline pipeline = new Pipeline(1 << 16);
    private final PacketBatch batch = new PacketBatch();
    private final Map<String, TapDevice> ports = new ConcurrentHashMap<>();
    private final java.util.Set<String> readers = ConcurrentHashMap.newKeySet();
    private final int epoll;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events = arena.allocate(12L * 64, 8);
    private final int[] toUnderlay = new int[PacketBatch.CAPACITY];
    private volatile boolean running = true;
    public volatile long txPortFailures;

    /** @param tables the current tables, read once per batch */
    public Worker(Supplier<ForwardingTables> tables, Underlay underlay) throws IOException {
        this.tables = tables;
        this.underlay = underlay;
        this.epoll = (int) Native.check(Native.epollCreate(), "epoll_create1");
        for (int fd : underlay.fds()) {
            watch(fd, true);
        }
    }

    private void watch(int fd, boolean add) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment event = a.allocate(12);
            event.set(ValueLayout.JAVA_INT, 0, EPOLLIN);
            event.set(ValueLayout.JAVA_INT_UNALIGNED, 4, fd);
            Native.epollCtl(epoll, add ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, event);
        }
    }

    /** Serves the TAP device of the port named {@code key} (a Port object's key): reads from it and writes to it. */
    public void attach(String key, TapDevice tap) {
        attach(key, tap, true);
    }

    /**
     * Knows the port's TAP device, to write frames for it; reads from it only when {@code reads} (with
     * several workers, each reads its share of the ports and writes to any).
     */
    public void attach(String key, TapDevice tap, boolean reads) {
        ports.put(key, tap);
        if (reads) {
            readers.add(key);
            watch(tap.fd(), true);
        }
    }

    /** Forgets the port; the caller closes its TAP device once every worker has forgotten it. */
    public void detach(String key) {
        TapDevice tap = ports.remove(key);
        if (tap != null && readers.remove(key)) {
            watch(tap.fd(), false);
        }
    }

    public Counters counters() {
        return pipeline.counters();
    }

    @Override
    public void run() {
        TapDevice[] byIndex = new TapDevice[0];
        boolean[] reads = new boolean[0];
        Map<Integer, Integer> portOfFd = new java.util.HashMap<>();
        long generation = -1;
        int mapSize = -1;
        while (running) {
            int ready = Native.epollWait(epoll, events, 64, 100);
            ForwardingTables t = tables.get();
            if (t == null || ready <= 0) {
                continue;
            }
            if (t.generation != generation || ports.size() != mapSize) { // port indexes follow the table's port order
                byIndex = new TapDevice[t.portCount()];
                reads = new boolean[t.portCount()];
                portOfFd.clear();
                for (int p = 0; p < byIndex.length; p++) {
                    byIndex[p] = ports.get(t.ports[p].name());
                    reads[p] = readers.contains(t.ports[p].name());
                    if (byIndex[p] != null && reads[p]) {
                        portOfFd.put(byIndex[p].fd(), p);
                    }
                }
                generation = t.generation;
                mapSize = ports.size();
            }
            batch.clear();
            // Read only what epoll said is ready: no wasted read returning EAGAIN on idle devices.
            for (int k = 0; k < ready && !batch.full(); k++) {
                int fd = events.get(ValueLayout.JAVA_INT_UNALIGNED, 12L * k + 4);
                Integer port = portOfFd.get(fd);
                if (port != null) {
                    byIndex[port].receive(batch, port);
                } else {
                    underlay.receive(batch, fd);
                }
            }
            if (batch.count() == 0) {
                continue;
            }
            pipeline.process(batch, t);
            int encapsulated = 0;
            for (int i = 0; i < batch.count(); i++) {
                if (batch.verdict[i] == PacketBatch.TO_PORT) {
                    TapDevice out = batch.outPort[i] < byIndex.length ? byIndex[batch.outPort[i]] : null;
                    if (out == null || !out.send(batch, i)) {
                        txPortFailures++;
                    }
                } else if (batch.verdict[i] == PacketBatch.TO_UNDERLAY) {
                    toUnderlay[encapsulated++] = i;
                }
            }
            if (encapsulated > 0) {
                underlay.send(batch, toUnderlay, encapsulated);
            }
        }
    }

    @Override
    public void close() {
        running = false;
    }

    /** Frees what the worker holds; call after its thread ended. */
    public void release() {
        ports.clear();
        underlay.close();
        Native.close(epoll);
        batch.close();
        arena.close();
    }
}
