package dev.weft.reconcile;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The reconciler's epoch: a number that grows with every reconciler start (or {@code weft apply}),
 * persisted in its state directory. Agents refuse batches from an epoch lower than the highest they
 * have accepted, so a stale reconciler can't overwrite a newer one's programming.
 */
public final class Epochs {

    private Epochs() {
    }

    /** Takes the next epoch: reads the last one, adds one, writes it durably, returns it. */
    public static synchronized long next(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path file = stateDir.resolve("epoch");
        long last = 0;
        if (Files.exists(file)) {
            String text = Files.readString(file).trim();
            try {
                last = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new IOException("epoch file " + file + " is corrupt: " + text, e);
            }
        }
        long epoch = Math.max(last + 1, System.currentTimeMillis() / 1000); // survives a lost state directory
        Path tmp = stateDir.resolve("epoch.tmp");
        Files.writeString(tmp, Long.toString(epoch), StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return epoch;
    }
}
