package dev.weft.vm;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs a shell command in a guest over its virtio-serial port {@code weft.exec} (QEMU serves the port's host side on a
 * Unix socket): sends {@code "<token> <base64 command>"}, reads the output until the line {@code "<token> <status>"}. The
 * random token keeps a command's own output from ending it early.
 */
public final class GuestExec {

    /** What the command printed (stdout and stderr, interleaved) and its exit status. */
    public record Result(int status, String output) { }

    private GuestExec() {
    }

    /** Runs {@code command} with the guest's {@code sh}; an IOException when the guest doesn't answer within {@code timeout}. */
    public static Result run(Path socket, String command, Duration timeout) throws IOException {
        String token = "weft-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        byte[] end = ("\n" + token + " ").getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX); Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.write(ByteBuffer.wrap((token + " " + Base64.getEncoder().encodeToString(command.getBytes(StandardCharsets.UTF_8)) + "\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            channel.configureBlocking(false);
            channel.register(selector, SelectionKey.OP_READ);
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            while (true) {
                byte[] sofar = received.toByteArray();
                int at = indexOf(sofar, end);
                if (at >= 0 && sofar[sofar.length - 1] == '\n' && sofar.length > at + end.length) {
                    String status = new String(sofar, at + end.length, sofar.length - at - end.length - 1, StandardCharsets.US_ASCII).trim();
                    return new Result(Integer.parseInt(status), new String(sofar, 0, at, StandardCharsets.UTF_8));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("the guest on " + socket + " did not finish within " + timeout.toSeconds() + " s: " + command);
                }
                selector.select(Math.max(1, left / 1_000_000));
                selector.selectedKeys().clear();
                buffer.clear();
                int n = channel.read(buffer);
                if (n < 0) {
                    throw new IOException("the guest on " + socket + " closed its exec port before the command finished");
                }
                received.write(buffer.array(), 0, n);
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (haystack[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
