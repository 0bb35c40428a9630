package dev.weft.source;

/**
 * A manifest file of one revision.
 *
 * @param path    path relative to the repository root, with '/' separators
 * @param content the file's text (UTF-8); empty when the file is refused
 * @param blobId  the Git blob id of the content, so revisions that share a file can share its parse
 * @param refused why the file isn't read at all (it is too large), or null
 */
public record ManifestFile(String path, String content, String blobId, String refused) {

    /** The most a manifest file may have: more is refused unread (and reported), not parsed. */
    public static final long MAX_BYTES = 16L * 1024 * 1024;

    public ManifestFile(String path, String content, String blobId) {
        this(path, content, blobId, null);
    }

    /** A file too large to read: reported as a problem of the revision. */
    public static ManifestFile tooLarge(String path, long bytes, String blobId) {
        return new ManifestFile(path, "", blobId, "the file has " + bytes + " bytes, more than the " + MAX_BYTES
                + " a manifest file may have; split it");
    }
}
