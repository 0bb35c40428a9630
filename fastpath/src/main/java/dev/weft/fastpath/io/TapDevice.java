package dev.weft.fastpath.io;

import dev.weft.fastpath.packet.PacketBatch;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A TAP device (a VM's NIC as the host sees it): {@code /dev/net/tun} opened non-blocking, attached with
 * {@code ioctl(TUNSETIFF, IFF_TAP | IFF_NO_PI)}. Frames are read straight into a batch's slots and
 * written straight from them.
 */
public final class TapDevice implements AutoCloseable {

    private final int fd;
    private final String name;

    private TapDevice(int fd, String name) {
        this.fd = fd;
        this.name = name;
    }

    /** Creates (or attaches to) the TAP device {@code name} in the calling thread's network namespace. */
    public static TapDevice open(String name) throws IOException {
        if (name.length() > 15) {
            throw new IllegalArgumentException("interface names have at most 15 characters: " + name);
        }
        int fd = (int) Native.check(Native.open("/dev/net/tun", Native.O_RDWR | Native.O_NONBLOCK | Native.O_CLOEXEC), "open /dev/net/tun");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ifreq = arena.allocate(40);
            ifreq.setString(0, name);
            ifreq.set(ValueLayout.JAVA_SHORT, 16, (short) (Native.IFF_TAP | Native.IFF_NO_PI));
            if (Native.ioctl(fd, Native.TUNSETIFF, ifreq) < 0) {
                int errno = Native.errno();
                Native.close(fd);
                throw new IOException("TUNSETIFF " + name + ": " + Native.strerror(errno));
            }
            return new TapDevice(fd, ifreq.getString(0));
        }
    }

    public int fd() {
        return fd;
    }

    public String name() {
        return name;
    }

    /** Reads frames until none is waiting or the batch is full; returns how many. */
    public int receive(PacketBatch batch, int port) {
        int received = 0;
        while (!batch.full()) {
            long n = Native.read(fd, batch.nextSlot(), PacketBatch.MAX_FRAME);
            if (n <= 0) {
                break; // EAGAIN: nothing more now
            }
            batch.commit((int) n, port);
            received++;
        }
        return received;
    }

    /** Writes frame {@code i} of the batch to the VM; false when the device can't take it now (counted by the caller). */
    public boolean send(PacketBatch batch, int i) {
        return Native.write(fd, batch.memory().asSlice(batch.start[i], batch.length[i]), batch.length[i]) == batch.length[i];
    }

    @Override
    public void close() {
        Native.close(fd);
    }
}
