package dev.weft.cli;

import dev.weft.allocate.Allocator;
import dev.weft.source.DirectorySource;
import dev.weft.source.ManifestFile;
import dev.weft.source.ManifestSource;
import dev.weft.source.SourceException;
import dev.weft.source.Sources;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "allocate", mixinStandardHelpOptions = true,
        description = {"Pick free addresses for NetworkInterfaces that have no ipAddress, and write them into the manifests in place.",
                "Git stays the source of truth: the addresses go into the files (comments and layout kept), for you to commit.",
                "Never a subnet's network, gateway or broadcast address, nor one held in the files or at the repository's HEAD."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:nothing to allocate, or allocated (printed, and written with --write)", "1:an interface couldn't get an address"})
public final class AllocateCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--repo", required = true, paramLabel = "DIR", description = "The manifests' directory (a Git working tree or a plain directory).")
    Path repo;

    @Option(names = "--write", description = "Write the addresses into the files (default: only print what would be written).")
    boolean write;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path root = repo.toAbsolutePath().normalize();
        List<ManifestFile> files;
        List<ManifestFile> base = List.of();
        try {
            files = new DirectorySource(repo.toString(), root).read(null).files();
            if (Files.exists(root.resolve(".git"))) {
                try (ManifestSource git = Sources.open(root.toString(), Sources.defaultCacheDir())) {
                    base = git.read(null).files(); // HEAD: addresses held there are held
                }
            }
        } catch (SourceException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        Allocator.Result result = Allocator.allocate(files, base);
        for (Allocator.Allocation a : result.allocations()) {
            out.printf("%s:%d: %s gets ipAddress %s (subnet %s, %s)%n", a.location().file(), a.location().line(), a.interfaceId(), a.address(),
                    a.subnet(), a.prefix());
        }
        result.errors().forEach(e -> err.println("error: " + e));
        if (result.allocations().isEmpty() && result.errors().isEmpty()) {
            out.println("Every interface has an address.");
        } else if (!result.allocations().isEmpty()) {
            if (write) {
                try {
                    for (Map.Entry<String, String> file : result.files().entrySet()) {
                        Files.writeString(root.resolve(file.getKey()), file.getValue());
                    }
                } catch (IOException e) {
                    err.println("error: cannot write: " + e.getMessage());
                    return 1;
                }
                out.printf("Wrote %d addresses into %d files; review and commit them.%n", result.allocations().size(), result.files().size());
            } else {
                out.println("Nothing written: run with --write to write these addresses into the files.");
            }
        }
        out.flush();
        return result.errors().isEmpty() ? 0 : 1;
    }
}
