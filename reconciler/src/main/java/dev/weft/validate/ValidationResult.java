package dev.weft.validate;

import dev.weft.manifest.Problem;
import dev.weft.model.Model;
import dev.weft.source.Snapshot;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of validating one revision: every problem sorted by file, line and column, and the model
 * when there are none. A revision with problems has no model, so nothing of it can be applied in part.
 */
public record ValidationResult(Snapshot snapshot, int documents, List<Problem> problems, Optional<Model> model) {

    public ValidationResult {
        problems = problems.stream().sorted().toList();
    }

    public boolean valid() {
        return problems.isEmpty();
    }
}
