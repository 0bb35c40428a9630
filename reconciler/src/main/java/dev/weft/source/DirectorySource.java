package dev.weft.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A plain directory of manifests (no Git revision): what is on disk now. */
public record DirectorySource(String repo, Path root) implements ManifestSource {

    @Override
    public Snapshot read(String revision) throws SourceException {
        if (revision != null) {
            throw new SourceException(repo + " is a plain directory, not a Git repository, so it has no revision " + revision
                    + "; drop --rev or point --repo at the repository root");
        }
        List<ManifestFile> files = new ArrayList<>();
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.filter(Files::isRegularFile).sorted().toList()) {
                String relative = root.relativize(path).toString().replace('\\', '/');
                if (ManifestPaths.isManifest(relative)) {
                    long size = Files.size(path);
                    files.add(size > ManifestFile.MAX_BYTES ? ManifestFile.tooLarge(relative, size, "")
                            : ManifestPaths.file(relative, Files.readAllBytes(path)));
                }
            }
        } catch (IOException e) {
            throw new SourceException("cannot read " + repo + ": " + e.getMessage(), e);
        }
        return new Snapshot(repo, Snapshot.WORKING_TREE, files);
    }

    @Override
    public void close() {
    }
}
