package dev.weft.fastpath.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A Unix stream socket through FFM, with file descriptors passed alongside the bytes ({@code SCM_RIGHTS}), as vhost-user
 * needs: a listener bound to a path, accepted or connected channels, whole messages read and written. Blocking.
 */
public final class UnixChannel implements AutoCloseable {

    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int SOL_SOCKET = 1;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    /** The most descriptors one message carries (vhost-user's memory table has at most 8 regions). */
    public static final int MAX_FDS = 8;
    private static final long CONTROL = 16 + 4 * MAX_FDS;

    private final int fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment message = arena.allocate(Structs.MMSGHDR);
    private final MemorySegment iov = arena.allocate(Structs.IOVEC);
    private final MemorySegment control = arena.allocate(CONTROL, 8);

    private UnixChannel(int fd) {
        this.fd = fd;
    }

    public int fd() {
        return fd;
    }

    private static MemorySegment address(Arena arena, Path path) throws IOException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length > 107) {
            throw new IOException("socket path longer than 107 bytes: " + path);
        }
        MemorySegment a = arena.allocate(110);
        a.set(ValueLayout.JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(MemorySegment.ofArray(name), 0, a, 2, name.length);
        return a;
    }

    /** A listening socket at {@code path} (replacing a stale one); its descriptor. */
    public static int listen(Path path) throws IOException {
        java.nio.file.Files.deleteIfExists(path);
        int s = (int) Native.check(Native.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket(AF_UNIX)");
        try (Arena a = Arena.ofConfined()) {
            Native.check(Native.bind(s, address(a, path), 110), "bind " + path);
            Native.check(Native.listen(s, 4), "listen " + path);
        } catch (IOException e) {
            Native.close(s);
            throw e;
        }
        return s;
    }

    /** The next connection to {@code listener}. */
    public static UnixChannel accept(int listener) throws IOException {
        return new UnixChannel((int) Native.check(Native.accept(listener, SOCK_CLOEXEC), "accept"));
    }

    /** A connection to the socket at {@code path}. */
    public static UnixChannel connect(Path path) throws IOException {
        int s = (int) Native.check(Native.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket(AF_UNIX)");
        try (Arena a = Arena.ofConfined()) {
            Native.check(Native.connect(s, address(a, path), 110), "connect " + path);
        } catch (IOException e) {
            Native.close(s);
            throw e;
        }
        return new UnixChannel(s);
    }

    /**
     * Reads exactly {@code to}'s size in bytes; the descriptors that came with them go into {@code fds} (the rest of it -1).
     * Returns how many descriptors came, or -1 when the peer closed the connection before the first byte. Descriptors beyond
     * {@code fds}' length are closed.
     */
    public int receive(MemorySegment to, int[] fds) throws IOException {
        java.util.Arrays.fill(fds, -1);
        int received = 0;
        long got = 0;
        while (got < to.byteSize()) {
            Structs.iovec(iov, 0, to, got, to.byteSize() - got);
            Structs.message(message, 0, MemorySegment.NULL, iov, 1, control);
            Structs.resetLengths(message, 0, CONTROL);
            int n = Native.recvmmsg(fd, message, 1, MSG_CMSG_CLOEXEC);
            if (n < 0) {
                throw new IOException("recvmsg: " + Native.strerror(Native.errno()));
            }
            int length = Structs.messageLength(message, 0);
            if (length == 0) {
                if (got == 0) {
                    return -1;
                }
                throw new IOException("the peer closed the connection in the middle of a message");
            }
            long controlLength = Structs.controlLength(message, 0);
            if (controlLength >= 16 && control.get(ValueLayout.JAVA_INT, 8) == SOL_SOCKET && control.get(ValueLayout.JAVA_INT, 12) == SCM_RIGHTS) {
                int count = (int) ((control.get(ValueLayout.JAVA_LONG, 0) - 16) / 4);
                for (int k = 0; k < count; k++) {
                    int passed = control.get(ValueLayout.JAVA_INT, 16 + 4L * k);
                    if (received < fds.length) {
                        fds[received++] = passed;
                    } else {
                        Native.close(passed);
                    }
                }
            }
            got += length;
        }
        return received;
    }

    /** Writes all of {@code from}, with {@code fds} (may be empty) passed along. */
    public void send(MemorySegment from, int... fds) throws IOException {
        if (fds.length > MAX_FDS) {
            throw new IllegalArgumentException("at most " + MAX_FDS + " descriptors");
        }
        long sent = 0;
        boolean first = true;
        while (sent < from.byteSize()) {
            Structs.iovec(iov, 0, from, sent, from.byteSize() - sent);
            MemorySegment c = MemorySegment.NULL;
            if (first && fds.length > 0) {
                c = control.asSlice(0, 16 + 4L * fds.length + (fds.length % 2 == 1 ? 4 : 0));
                control.set(ValueLayout.JAVA_LONG, 0, 16 + 4L * fds.length);
                control.set(ValueLayout.JAVA_INT, 8, SOL_SOCKET);
                control.set(ValueLayout.JAVA_INT, 12, SCM_RIGHTS);
                for (int k = 0; k < fds.length; k++) {
                    control.set(ValueLayout.JAVA_INT, 16 + 4L * k, fds[k]);
                }
            }
            Structs.message(message, 0, MemorySegment.NULL, iov, 1, c);
            if (Native.sendmmsg(fd, message, 1, 0) != 1) {
                throw new IOException("sendmsg: " + Native.strerror(Native.errno()));
            }
            sent += Structs.messageLength(message, 0);
            first = false;
        }
    }

    private boolean closed;

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Native.close(fd);
            arena.close();
        }
    }
}
