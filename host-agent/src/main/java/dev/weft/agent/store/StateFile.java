package dev.weft.agent.store;

import dev.weft.contract.AgentState;
import dev.weft.contract.ContractException;
import dev.weft.contract.Wire;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The agent's objects on disk, {@code state.json} in its state directory. Written whole to a temporary
 * file, flushed to disk, then renamed over the old one (and the directory flushed), so a crash at any
 * moment leaves either the old state or the new one, never a mix. The file records its digest, which is
 * checked against the objects on load: a truncated or edited file is refused, not half-loaded.
 */
final class StateFile {

    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StateFile.class);

    static final String NAME = "state.json";
    private static final int FORMAT = 1;

    private StateFile() {
    }

    static void write(Path dir, AgentState state) throws IOException {
        ObjectNode json = (ObjectNode) Wire.mapper().readTree(Wire.write(state, true));
        json.put("format", FORMAT);
        Path tmp = dir.resolve(NAME + ".tmp");
        try {
            writeAndSync(tmp, json.toString());
        } catch (IOException e) { // e.g. a full disk: the old state file stays as it was, and no partial file is left
            Files.deleteIfExists(tmp);
            throw e;
        }
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException e) {
            // some file systems can't flush a directory; the rename itself is still atomic
            log.debug("cannot flush directory {}: {}", dir, e.getMessage());
        }
    }

    private static void writeAndSync(Path tmp, String text) throws IOException {
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
    }

    /** The saved state, or null when there is none yet. */
    static AgentState read(Path dir, String host) throws StoreException {
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            String text = Files.readString(file);
            JsonNode format = Wire.parseObject(text).get("format");
            if (format == null || format.asInt() != FORMAT) {
                throw new IllegalArgumentException("unknown format " + format);
            }
            AgentState state = Wire.state(text); // every object checked like a batch's, and the digest theirs
            if (!host.equals(state.host())) {
                throw new IllegalArgumentException("it belongs to host " + state.host() + ", not " + host);
            }
            return state;
        } catch (IOException | RuntimeException | ContractException e) {
            throw new StoreException("state file " + file + " is corrupt: " + e.getMessage()
                    + "; fix or remove it, or start with --reset-state to start empty (the reconciler then programs the host again)", e);
        }
    }
}
