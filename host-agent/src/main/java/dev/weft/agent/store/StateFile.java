package dev.weft.agent.store;

import dev.weft.agent.object.Digest;
import dev.weft.agent.object.HostObject;
import dev.weft.agent.object.ObjectKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The agent's objects on disk, {@code state.json} in its state directory. Written whole to a temporary
 * file, flushed to disk, then renamed over the old one (and the directory flushed), so a crash at any
 * moment leaves either the old state or the new one, never a mix. The file records its digest, which is
 * checked against the objects on load: a truncated or edited file is refused, not half-loaded.
 */
final class StateFile {

    static final String NAME = "state.json";
    private static final int FORMAT = 1;

    private StateFile() {
    }

    static void write(Path dir, AgentState state) throws IOException {
        JsonArray objects = new JsonArray();
        state.objects().values().forEach(o -> objects.add(ObjectCodec.toJson(o)));
        JsonObject json = new JsonObject().put("format", FORMAT).put("host", state.host()).put("epoch", state.epoch())
                .put("revision", state.revision()).put("digest", state.digest().toString()).put("objects", objects);
        Path tmp = dir.resolve(NAME + ".tmp");
        try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = ByteBuffer.wrap(json.encode().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(tmp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        } catch (IOException ignored) {
            // some file systems can't flush a directory; the rename itself is still atomic
        }
    }

    /** The saved state, or null when there is none yet. */
    static AgentState read(Path dir, String host) throws StoreException {
        Path file = dir.resolve(NAME);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            JsonObject json = new JsonObject(Files.readString(file));
            if (json.getInteger("format", 0) != FORMAT) {
                throw new IllegalArgumentException("unknown format " + json.getValue("format"));
            }
            NavigableMap<ObjectKey, HostObject> objects = new TreeMap<>();
            Digest digest = Digest.ZERO;
            for (Object entry : json.getJsonArray("objects")) {
                HostObject object = ObjectCodec.object((JsonObject) entry);
                ObjectCodec.check(object, "objects");
                objects.put(object.id(), object);
                digest = digest.plus(object.digest());
            }
            if (!digest.toString().equals(json.getString("digest"))) {
                throw new IllegalArgumentException("its objects don't match its digest");
            }
            String savedHost = json.getString("host");
            if (!host.equals(savedHost)) {
                throw new IllegalArgumentException("it belongs to host " + savedHost + ", not " + host);
            }
            return new AgentState(host, json.getLong("epoch"), json.getString("revision", ""), digest, objects);
        } catch (IOException | RuntimeException | ApplyException e) {
            throw new StoreException("state file " + file + " is corrupt: " + e.getMessage()
                    + "; fix or remove it, or start with --reset-state to start empty (the reconciler then programs the host again)", e);
        }
    }
}
