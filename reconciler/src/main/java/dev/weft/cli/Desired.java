package dev.weft.cli;

import dev.weft.compile.Compiled;
import dev.weft.compile.Compiler;
import dev.weft.source.ManifestSource;
import dev.weft.source.SourceException;
import dev.weft.validate.ValidationResult;
import dev.weft.validate.Validator;
import java.io.PrintWriter;

/** Reads, validates and compiles one revision for the commands that program agents; prints errors when invalid. */
final class Desired {

    private Desired() {
    }

    /** The compiled revision, or null after printing why it can't be used. */
    static Compiled compile(RepoOptions repo, String rev, PrintWriter err) {
        try (ManifestSource source = repo.open()) {
            ValidationResult result = new Validator().validate(source.read(rev));
            if (!result.valid()) {
                result.problems().forEach(p -> err.println(p.format()));
                err.println("error: " + result.snapshot().shortRevision() + " is invalid (" + result.problems().size()
                        + (result.problems().size() == 1 ? " error" : " errors") + "); nothing applied");
                return null;
            }
            return Compiler.compile(result.model().orElseThrow());
        } catch (SourceException e) {
            err.println("error: " + e.getMessage());
            return null;
        }
    }
}
