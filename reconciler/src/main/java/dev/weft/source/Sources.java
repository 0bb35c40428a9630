package dev.weft.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.util.FS;

/**
 * Opens what {@code --repo} names: a Git URL ({@code file://}, {@code https://}, {@code ssh://},
 * {@code user@host:path}) is cloned into the cache once and fetched on later calls; a directory that is
 * a Git repository's root is read at a revision; any other directory is read as it is on disk.
 */
public final class Sources {

    private static final Pattern SCP_LIKE = Pattern.compile("^[\\w.-]+@[\\w.-]+:.+");
    private static final RefSpec[] MIRROR = {
            new RefSpec("+refs/heads/*:refs/heads/*"), new RefSpec("+refs/tags/*:refs/tags/*")};

    private Sources() {
    }

    public static boolean isUrl(String repo) {
        return repo.contains("://") || SCP_LIKE.matcher(repo).matches();
    }

    /** The default clone cache: $WEFT_CACHE_DIR, else $XDG_CACHE_HOME/weft, else ~/.cache/weft. */
    public static Path defaultCacheDir() {
        String explicit = System.getenv("WEFT_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("weft");
    }

    public static ManifestSource open(String repo, Path cacheDir) throws SourceException {
        return open(repo, cacheDir, GitAuth.NONE);
    }

    /** As {@link #open(String, Path)}, reaching a Git URL with {@code auth}. */
    public static ManifestSource open(String repo, Path cacheDir, GitAuth auth) throws SourceException {
        if (isUrl(repo)) {
            return new GitSource(repo, cloneOrFetch(repo, cacheDir, auth), true, auth);
        }
        Path dir = Path.of(repo).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new SourceException(repo + " is not a directory, a Git repository or a Git URL");
        }
        try {
            if (Files.exists(dir.resolve(".git"))) {
                return new GitSource(repo, new FileRepositoryBuilder().setWorkTree(dir.toFile()).setMustExist(true)
                        .readEnvironment().findGitDir(dir.toFile()).build(), false);
            }
            if (RepositoryCache.FileKey.isGitRepository(dir.toFile(), FS.DETECTED)) {
                return new GitSource(repo, new FileRepositoryBuilder().setGitDir(dir.toFile()).setMustExist(true).build(), false);
            }
        } catch (IOException e) {
            throw new SourceException("cannot open Git repository " + repo + ": " + e.getMessage(), e);
        }
        return new DirectorySource(repo, dir);
    }

    /** A bare mirror of the remote's branches and tags in the cache, fetched when it already exists. */
    private static Repository cloneOrFetch(String url, Path cacheDir, GitAuth auth) throws SourceException {
        Path target = cacheDir.resolve("repos").resolve(cacheName(url));
        try {
            if (Files.isDirectory(target)) {
                Repository repository = new FileRepositoryBuilder().setGitDir(target.toFile()).setMustExist(true).build();
                try {
                    fetch(repository, url, auth);
                } catch (SourceException e) {
                    repository.close();
                    throw e;
                }
                return repository;
            }
            Files.createDirectories(target.getParent());
            Path staging = Files.createTempDirectory(target.getParent(), "clone-");
            try (Git ignored = auth.apply(Git.cloneRepository().setURI(url).setBare(true).setDirectory(staging.toFile())).call()) {
                Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (GitAPIException e) {
                Trees.delete(staging);
                throw new SourceException("cannot clone " + url + ": " + e.getMessage(), e);
            }
            return new FileRepositoryBuilder().setGitDir(target.toFile()).setMustExist(true).build();
        } catch (IOException e) {
            throw new SourceException("cannot use the clone cache " + cacheDir + " for " + url + ": " + e.getMessage(), e);
        }
    }

    static void fetch(Repository repository, String url, GitAuth auth) throws SourceException {
        try (Git git = new Git(repository)) {
            auth.apply(git.fetch().setRemote("origin").setRefSpecs(MIRROR).setRemoveDeletedRefs(true)).call();
        } catch (GitAPIException e) {
            throw new SourceException("cannot fetch " + url + ": " + e.getMessage(), e);
        }
    }

    static String cacheName(String url) {
        String tail = url.replaceAll("[/:]+$", "").replaceAll(".*[/:]", "").replaceAll("\\.git$", "").replaceAll("[^\\w.-]", "_");
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(url.getBytes(StandardCharsets.UTF_8));
            return tail + "-" + HexFormat.of().formatHex(hash, 0, 6) + ".git";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
