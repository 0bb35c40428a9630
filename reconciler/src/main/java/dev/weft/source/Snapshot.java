package dev.weft.source;

import java.util.Comparator;
import java.util.List;

/**
 * The manifests of one revision.
 *
 * @param repo     the repository as the user named it
 * @param revision the commit id, or {@code working tree} for a plain directory
 * @param files    every manifest file, sorted by path
 */
public record Snapshot(String repo, String revision, List<ManifestFile> files) {

    public static final String WORKING_TREE = "working tree";

    public Snapshot {
        files = files.stream().sorted(Comparator.comparing(ManifestFile::path)).toList();
    }

    /** A short form for humans: the first 12 hex digits of a commit. */
    public String shortRevision() {
        return revision.length() == 40 ? revision.substring(0, 12) : revision;
    }
}
