package dev.weft.cli;

import dev.weft.source.ManifestSource;
import dev.weft.source.SourceException;
import dev.weft.source.Sources;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --repo} and {@code --cache-dir}, shared by every command that reads manifests. */
public final class RepoOptions {

    @Option(names = "--repo", required = true, paramLabel = "R",
            description = "A directory of manifests, a local Git repository, or a Git URL (file://, https://, ssh://).")
    String repo;

    @Option(names = "--cache-dir", paramLabel = "DIR",
            description = "Where clones of Git URLs are kept (default: $WEFT_CACHE_DIR, else ~/.cache/weft).")
    Path cacheDir;

    public RepoOptions() {
    }

    RepoOptions(String repo) {
        this.repo = repo;
    }

    public ManifestSource open() throws SourceException {
        return Sources.open(repo, cacheDir != null ? cacheDir : Sources.defaultCacheDir());
    }
}
