package dev.weft.plan;

import dev.weft.model.ResourceId;
import java.util.List;

/** A manifest resource added, changed or removed between two revisions, with its changed fields. */
public record ResourceChange(Action action, ResourceId id, List<FieldChange> fields) {

    public ResourceChange {
        fields = List.copyOf(fields);
    }
}
