package dev.weft.source;

import java.nio.charset.StandardCharsets;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectInserter;

/** Which files of a repository are manifests: {@code *.yaml} and {@code *.yml}, outside dot-folders. */
final class ManifestPaths {

    private ManifestPaths() {
    }

    static boolean isManifest(String path) {
        String lower = path.toLowerCase();
        if (!lower.endsWith(".yaml") && !lower.endsWith(".yml")) {
            return false;
        }
        for (String segment : path.split("/")) {
            if (segment.startsWith(".")) {
                return false; // .git, .github, .gitlab-ci.yml and other tooling, not manifests
            }
        }
        return true;
    }

    /** A file read from disk: its blob id is computed as Git would. */
    static ManifestFile file(String path, byte[] bytes) {
        return file(path, bytes, new ObjectInserter.Formatter().idFor(Constants.OBJ_BLOB, bytes).name());
    }

    static ManifestFile file(String path, byte[] bytes, String blobId) {
        return new ManifestFile(path, new String(bytes, StandardCharsets.UTF_8), blobId);
    }
}
