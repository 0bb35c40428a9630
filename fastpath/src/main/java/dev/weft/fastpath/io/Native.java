package dev.weft.fastpath.io;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The Linux system calls of packet I/O, called through the Foreign Function &amp; Memory API, with errno
 * captured on every call. x86_64/aarch64 Linux only.
 */
public final class Native {

    public static final int O_RDWR = 2;
    public static final int O_RDONLY = 0;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;
    public static final int EAGAIN = 11;
    public static final int EINTR = 4;

    public static final int AF_INET = 2;
    public static final int SOCK_DGRAM = 2;
    public static final int SOCK_RAW = 3;
    public static final int SOCK_NONBLOCK = 0x800;
    public static final int IPPROTO_RAW = 255;
    public static final int SOL_SOCKET = 1;
    public static final int SO_REUSEADDR = 2;
    public static final int SO_RCVBUF = 8;
    public static final int SO_SNDBUF = 7;
    public static final int MSG_DONTWAIT = 0x40;
    public static final int CLONE_NEWNET = 0x40000000;

    public static final long TUNSETIFF = 0x400454caL;
    public static final short IFF_TAP = 0x0002;
    public static final short IFF_NO_PI = 0x1000;
    /** TUNSETIFF fails with EBUSY when the device already exists: a port never opens someone else's TAP. */
    public static final short IFF_TUN_EXCL = (short) 0x8000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE = Linker.Option.captureCallState("errno");

    private static final MethodHandle OPEN = handle("open", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CLOSE = handle("close", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle DUP = handle("dup", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle IOCTL = LINKER.downcallHandle(LIBC.find("ioctl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS),
            CAPTURE, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle READ = handle("read",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITE = handle("write",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle WRITEV = handle("writev",
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SOCKET = handle("socket",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle BIND = handle("bind",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle SETSOCKOPT = handle("setsockopt", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle RECVMMSG = handle("recvmmsg", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SENDMMSG = handle("sendmmsg", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle MMAP = handle("mmap", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle MUNMAP = handle("munmap", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
    private static final MethodHandle SEND = handle("send", FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
    private static final MethodHandle IF_NAMETOINDEX = handle("if_nametoindex", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle SETNS = handle("setns", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle EPOLL_CREATE1 = handle("epoll_create1", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle EPOLL_CTL = handle("epoll_ctl", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle EPOLL_WAIT = handle("epoll_wait", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle POLL = handle("poll", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG,
            ValueLayout.JAVA_INT));
    private static final MethodHandle FSTAT = handle("fstat", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
    private static final MethodHandle FCNTL = LINKER.downcallHandle(LIBC.find("fcntl").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
            CAPTURE, Linker.Option.firstVariadicArg(2));
    private static final MethodHandle LISTEN = handle("listen", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle ACCEPT4 = handle("accept4", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle CONNECT = handle("connect",
            FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle MEMFD_CREATE = handle("memfd_create", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
    private static final MethodHandle FTRUNCATE = handle("ftruncate", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
    private static final MethodHandle EVENTFD = handle("eventfd", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    private static final MethodHandle SHUTDOWN = handle("shutdown", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
    /** syscall(2), for io_uring's calls (glibc has no wrappers): io_uring_setup(entries, params) and io_uring_enter. */
    private static final MethodHandle SYSCALL_SETUP = LINKER.downcallHandle(LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.ADDRESS),
            CAPTURE, Linker.Option.firstVariadicArg(1));
    private static final MethodHandle SYSCALL_ENTER = LINKER.downcallHandle(LIBC.find("syscall").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.JAVA_LONG, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                    ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_LONG),
            CAPTURE, Linker.Option.firstVariadicArg(1));
    private static final long SYS_IO_URING_SETUP = 425;
    private static final long SYS_IO_URING_ENTER = 426;
    private static final MethodHandle STRERROR = LINKER.downcallHandle(LIBC.find("strerror").orElseThrow(),
            FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT));

    /** Per-thread space for the captured errno, so calls from many workers don't share it. */
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CALL_STATE));

    private Native() {
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), descriptor, CAPTURE);
    }

    /** The errno of this thread's last call. */
    public static int errno() {
        return (int) ERRNO.get(STATE.get(), 0L);
    }

    public static String strerror(int errno) {
        try {
            return ((MemorySegment) STRERROR.invokeExact(errno)).reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    /** Throws an IOException naming {@code what} and errno when {@code result} is negative; else returns it. */
    public static long check(long result, String what) throws java.io.IOException {
        if (result < 0) {
            int errno = errno();
            throw new java.io.IOException(what + ": " + strerror(errno) + " (errno " + errno + ")");
        }
        return result;
    }

    public static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) OPEN.invokeExact(STATE.get(), arena.allocateFrom(path), flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** A new descriptor for what {@code fd} refers to (which stays open, whoever closes {@code fd}), or -1. */
    public static int dup(int fd) {
        try {
            return (int) DUP.invokeExact(STATE.get(), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(STATE.get(), fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int ioctl(int fd, long request, MemorySegment argument) {
        try {
            return (int) IOCTL.invokeExact(STATE.get(), fd, request, argument);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static long read(int fd, MemorySegment buffer, long length) {
        try {
            return (long) READ.invokeExact(STATE.get(), fd, buffer, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static long write(int fd, MemorySegment buffer, long length) {
        try {
            return (long) WRITE.invokeExact(STATE.get(), fd, buffer, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** io_uring_setup(2): a ring of {@code entries} submissions, described into {@code params} (struct io_uring_params); its fd or -1. */
    public static int ioUringSetup(int entries, MemorySegment params) {
        try {
            return (int) (long) SYSCALL_SETUP.invokeExact(STATE.get(), SYS_IO_URING_SETUP, entries, params);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** io_uring_enter(2) without a signal mask: submits {@code submit} entries and waits for {@code wait} completions (flags). */
    public static int ioUringEnter(int fd, int submit, int wait, int flags) {
        try {
            return (int) (long) SYSCALL_ENTER.invokeExact(STATE.get(), SYS_IO_URING_ENTER, fd, submit, wait, flags, MemorySegment.NULL, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** writev(2): {@code iovecs} holds {@code count} struct iovec (base, length). */
    public static long writev(int fd, MemorySegment iovecs, int count) {
        try {
            return (long) WRITEV.invokeExact(STATE.get(), fd, iovecs, count);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int socket(int domain, int type, int protocol) {
        try {
            return (int) SOCKET.invokeExact(STATE.get(), domain, type, protocol);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int bind(int fd, MemorySegment address, int length) {
        try {
            return (int) BIND.invokeExact(STATE.get(), fd, address, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int setsockopt(int fd, int level, int name, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocateFrom(ValueLayout.JAVA_INT, value);
            return (int) SETSOCKOPT.invokeExact(STATE.get(), fd, level, name, v, 4);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** setsockopt(2) with a struct value. */
    public static int setsockopt(int fd, int level, int name, MemorySegment value) {
        try {
            return (int) SETSOCKOPT.invokeExact(STATE.get(), fd, level, name, value, (int) value.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static final int PROT_READ_WRITE = 3;
    public static final int MAP_SHARED = 1;

    /** mmap(2) of {@code length} bytes of {@code fd} (shared, read and write), as a segment of that size; a segment of address -1 on failure. */
    public static MemorySegment mmap(int fd, long length) {
        return mmap(fd, length, 0);
    }

    /** mmap(2) of {@code length} bytes of {@code fd} from {@code offset} (shared, read and write); a segment of size 0 on failure. */
    public static MemorySegment mmap(int fd, long length, long offset) {
        try {
            MemorySegment at = (MemorySegment) MMAP.invokeExact(STATE.get(), MemorySegment.NULL, length, PROT_READ_WRITE, MAP_SHARED, fd, offset);
            return at.reinterpret(at.address() == -1L ? 0 : length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int munmap(MemorySegment mapping) {
        try {
            return (int) MUNMAP.invokeExact(STATE.get(), mapping, mapping.byteSize());
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** send(2) of nothing: how a packet socket's TX ring is told to send what is queued in it. */
    public static long kick(int fd) {
        try {
            return (long) SEND.invokeExact(STATE.get(), fd, MemorySegment.NULL, 0L, MSG_DONTWAIT);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int recvmmsg(int fd, MemorySegment messages, int count, int flags) {
        try {
            return (int) RECVMMSG.invokeExact(STATE.get(), fd, messages, count, flags, MemorySegment.NULL);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int sendmmsg(int fd, MemorySegment messages, int count, int flags) {
        try {
            return (int) SENDMMSG.invokeExact(STATE.get(), fd, messages, count, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** shutdown(2) both ways: a thread blocked reading the socket returns. */
    public static int shutdown(int fd) {
        try {
            return (int) SHUTDOWN.invokeExact(STATE.get(), fd, 2);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int listen(int fd, int backlog) {
        try {
            return (int) LISTEN.invokeExact(STATE.get(), fd, backlog);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** accept4(2) without the peer's address. */
    public static int accept(int fd, int flags) {
        try {
            return (int) ACCEPT4.invokeExact(STATE.get(), fd, MemorySegment.NULL, MemorySegment.NULL, flags);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int connect(int fd, MemorySegment address, int length) {
        try {
            return (int) CONNECT.invokeExact(STATE.get(), fd, address, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** memfd_create(2): anonymous memory behind a descriptor, as a vhost-user frontend shares guest memory. */
    public static int memfdCreate(String name) {
        return memfdCreate(name, false);
    }

    /** memfd_create(2); with {@code sealable} (MFD_ALLOW_SEALING) whoever holds it may seal it (fcntl F_ADD_SEALS), as QEMU's memfd backend does. */
    public static int memfdCreate(String name, boolean sealable) {
        try (Arena arena = Arena.ofConfined()) {
            return (int) MEMFD_CREATE.invokeExact(STATE.get(), arena.allocateFrom(name), 1 /* MFD_CLOEXEC */ | (sealable ? 2 /* MFD_ALLOW_SEALING */ : 0));
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int ftruncate(int fd, long length) {
        try {
            return (int) FTRUNCATE.invokeExact(STATE.get(), fd, length);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** eventfd(2), non-blocking and close-on-exec: how vhost-user kicks and calls. */
    public static int eventfd() {
        try {
            return (int) EVENTFD.invokeExact(STATE.get(), 0, 0x800 | 0x80000 /* EFD_NONBLOCK | EFD_CLOEXEC */);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** The index of the interface named {@code name}, or 0 when there is none. */
    public static int ifNameToIndex(String name) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            return (int) IF_NAMETOINDEX.invokeExact(STATE.get(), arena.allocateFrom(name));
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    public static int setns(int fd, int type) {
        try {
            return (int) SETNS.invokeExact(STATE.get(), fd, type);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int epollCreate() {
        try {
            return (int) EPOLL_CREATE1.invokeExact(STATE.get(), O_CLOEXEC);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int epollCtl(int epfd, int op, int fd, MemorySegment event) {
        try {
            return (int) EPOLL_CTL.invokeExact(STATE.get(), epfd, op, fd, event);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static int epollWait(int epfd, MemorySegment events, int max, int timeoutMillis) {
        try {
            return (int) EPOLL_WAIT.invokeExact(STATE.get(), epfd, events, max, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * poll(2) on the {@code count} {@code struct pollfd}s (8 bytes each: fd, events, revents) in {@code fds}: how many are
     * ready, 0 after {@code timeoutMillis}, -1 on error.
     */
    public static int poll(MemorySegment fds, int count, int timeoutMillis) {
        try {
            return (int) POLL.invokeExact(STATE.get(), fds, (long) count, timeoutMillis);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** {@code struct stat} on x86-64: 144 bytes, {@code st_size} at byte 48. */
    private static final long STAT_SIZE = 144;
    private static final long ST_SIZE = 48;

    /** The size of the file {@code fd} refers to (fstat(2)'s {@code st_size}), or -1 when fstat fails. */
    public static long fileSize(int fd) {
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment stat = arena.allocate(STAT_SIZE, 8);
            return (int) FSTAT.invokeExact(STATE.get(), fd, stat) < 0 ? -1 : stat.get(ValueLayout.JAVA_LONG, ST_SIZE);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    public static final int F_ADD_SEALS = 1033, F_GET_SEALS = 1034;
    public static final int F_SEAL_SEAL = 1, F_SEAL_SHRINK = 2, F_SEAL_GROW = 4;

    /** fcntl(2) with an int argument: {@link #F_GET_SEALS} (the seals, or -1 for a file that has none), {@link #F_ADD_SEALS}. */
    public static int fcntl(int fd, int command, int argument) {
        try {
            return (int) FCNTL.invokeExact(STATE.get(), fd, command, argument);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
