package dev.weft.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jgit.errors.RevisionSyntaxException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;

/** A Git repository read through JGit: the manifests of any revision, straight from the object store. */
public final class GitSource implements ManifestSource {

    private final String repo;
    private final Repository repository;
    private final boolean remote;

    private final GitAuth auth;

    GitSource(String repo, Repository repository, boolean remote) {
        this(repo, repository, remote, GitAuth.NONE);
    }

    GitSource(String repo, Repository repository, boolean remote, GitAuth auth) {
        this.repo = repo;
        this.repository = repository;
        this.remote = remote;
        this.auth = auth;
    }

    /** For a clone of a URL, fetches the remote's branches and tags (cheap when nothing changed); else nothing. */
    public void refresh() throws SourceException {
        if (remote) {
            Sources.fetch(repository, repo, auth);
        }
    }

    public Repository repository() {
        return repository;
    }

    /** The commit id {@code revision} names (HEAD when null). */
    public ObjectId resolve(String revision) throws SourceException {
        String rev = revision == null ? "HEAD" : revision;
        try {
            ObjectId id = repository.resolve(rev + "^{commit}");
            if (id == null) {
                throw new SourceException(revision == null
                        ? repo + " has no commits yet"
                        : "revision " + rev + " not found in " + repo);
            }
            return id;
        } catch (RevisionSyntaxException | IOException e) {
            throw new SourceException("cannot resolve revision " + rev + " in " + repo + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Snapshot read(String revision) throws SourceException {
        ObjectId commitId = resolve(revision);
        List<ManifestFile> files = new ArrayList<>();
        try (RevWalk walk = new RevWalk(repository); ObjectReader reader = repository.newObjectReader();
             TreeWalk tree = new TreeWalk(reader)) {
            RevCommit commit = walk.parseCommit(commitId);
            tree.addTree(commit.getTree());
            tree.setRecursive(true);
            while (tree.next()) {
                String path = tree.getPathString();
                if (tree.getFileMode(0).getObjectType() == org.eclipse.jgit.lib.Constants.OBJ_BLOB && ManifestPaths.isManifest(path)) {
                    ObjectId blob = tree.getObjectId(0);
                    long size = reader.getObjectSize(blob, org.eclipse.jgit.lib.Constants.OBJ_BLOB);
                    files.add(size > ManifestFile.MAX_BYTES ? ManifestFile.tooLarge(path, size, blob.name())
                            : ManifestPaths.file(path, reader.open(blob).getBytes(), blob.name()));
                }
            }
        } catch (IOException e) {
            throw new SourceException("cannot read revision " + commitId.name() + " of " + repo + ": " + e.getMessage(), e);
        }
        return new Snapshot(repo, commitId.name(), files);
    }

    @Override
    public void close() {
        repository.close();
    }
}
