package dev.weft.source;

/** Where manifests come from: a plain directory or a Git repository (local, or a cached clone of a URL). */
public sealed interface ManifestSource extends AutoCloseable permits DirectorySource, GitSource {

    /**
     * The manifests at {@code revision}: anything Git resolves (branch, tag, SHA, {@code main~1});
     * null for the default (HEAD, or the directory's contents).
     */
    Snapshot read(String revision) throws SourceException;

    @Override
    void close();
}
