package dev.weft.source;

import java.io.IOException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.revwalk.filter.RevFilter;

/** The repository's default branch, and where a branch forked from it (the base of a pull request). */
public final class DefaultBranch {

    private static final String[] CANDIDATES = {
            "refs/remotes/origin/HEAD", "refs/heads/main", "refs/heads/master", "refs/remotes/origin/main", "refs/remotes/origin/master"};

    private DefaultBranch() {
    }

    /** The default branch's ref name: origin/HEAD, else main, else master; a bare mirror's HEAD. */
    public static String of(Repository repository) throws SourceException {
        try {
            if (repository.isBare()) {
                Ref head = repository.exactRef("HEAD");
                if (head != null && head.isSymbolic()) {
                    return head.getTarget().getName();
                }
            }
            for (String candidate : CANDIDATES) {
                Ref ref = repository.exactRef(candidate);
                if (ref != null) {
                    return ref.isSymbolic() ? ref.getTarget().getName() : ref.getName();
                }
            }
        } catch (IOException e) {
            throw new SourceException("cannot read the refs of the repository: " + e.getMessage(), e);
        }
        throw new SourceException("no default branch (origin/HEAD, main or master) to compare with; pass --base");
    }

    /** The merge base of {@code head} and the default branch: the commit a pull request starts from. */
    public static ObjectId mergeBase(GitSource source, ObjectId head) throws SourceException {
        Repository repository = source.repository();
        String branch = of(repository);
        try (RevWalk walk = new RevWalk(repository)) {
            ObjectId tip = repository.resolve(branch + "^{commit}");
            walk.setRevFilter(RevFilter.MERGE_BASE);
            walk.markStart(walk.parseCommit(head));
            walk.markStart(walk.parseCommit(tip));
            RevCommit base = walk.next();
            if (base == null) {
                throw new SourceException("head and " + branch + " share no history; pass --base");
            }
            return base.copy();
        } catch (IOException e) {
            throw new SourceException("cannot find the merge base with " + branch + ": " + e.getMessage(), e);
        }
    }
}
