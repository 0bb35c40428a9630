package dev.weft.source;

/**
 * A manifest file of one revision.
 *
 * @param path    path relative to the repository root, with '/' separators
 * @param content the file's text (UTF-8)
 * @param blobId  the Git blob id of the content, so revisions that share a file can share its parse
 */
public record ManifestFile(String path, String content, String blobId) {
}
