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

    @Option(names = "--git-token-file", paramLabel = "FILE",
            description = "HTTPS: a token (GitHub, GitLab, …) read from FILE, sent as the password of --git-username.")
    Path gitTokenFile;

    @Option(names = "--git-username", paramLabel = "NAME", defaultValue = dev.weft.source.GitAuth.TOKEN_USER,
            description = "HTTPS: the user name the token goes with (default: ${DEFAULT-VALUE}; GitLab: oauth2 or your user).")
    String gitUsername;

    @Option(names = "--git-ssh-key", paramLabel = "FILE", description = "SSH: the private key (OpenSSH format, no passphrase) to authenticate with.")
    Path gitSshKey;

    @Option(names = "--git-known-hosts", paramLabel = "FILE",
            description = "SSH: known_hosts holding the server's host key; an unknown or changed key refuses the connection.")
    Path gitKnownHosts;

    public RepoOptions() {
    }

    RepoOptions(String repo) {
        this.repo = repo;
    }

    public ManifestSource open() throws SourceException {
        return Sources.open(repo, cacheDir != null ? cacheDir : Sources.defaultCacheDir(), auth());
    }

    /** The credentials the Git options give (none by default). */
    dev.weft.source.GitAuth auth() throws SourceException {
        try {
            return new dev.weft.source.GitAuth(java.util.Optional.ofNullable(gitTokenFile), gitUsername == null ? dev.weft.source.GitAuth.TOKEN_USER : gitUsername,
                    java.util.Optional.ofNullable(gitSshKey), java.util.Optional.ofNullable(gitKnownHosts));
        } catch (IllegalArgumentException e) {
            throw new SourceException(e.getMessage());
        }
    }
}
