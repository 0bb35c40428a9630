package dev.weft.fastpath.io;

import java.io.IOException;

/** Moves the calling (platform) thread into a named network namespace ({@code /var/run/netns/NAME}, as {@code ip netns} makes). */
public final class NetNamespace {

    private NetNamespace() {
    }

    public static void enter(String name) throws IOException {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException("setns would move a carrier thread: enter a namespace from a platform thread only");
        }
        int fd = (int) Native.check(Native.open("/var/run/netns/" + name, Native.O_RDONLY | Native.O_CLOEXEC), "open netns " + name);
        try {
            Native.check(Native.setns(fd, Native.CLONE_NEWNET), "setns " + name);
        } finally {
            Native.close(fd);
        }
    }
}
