package dev.weft.plan;

import dev.weft.contract.HostObject;
import dev.weft.contract.ObjectKey;
import java.util.List;

/**
 * A host object to add, change or remove: an {@code upsert} of {@code after}, or a {@code delete}.
 *
 * @param before null when added
 * @param after  null when removed
 */
public record ObjectChange(Action action, ObjectKey id, HostObject before, HostObject after, List<FieldChange> fields) {

    public ObjectChange {
        fields = List.copyOf(fields);
    }

    /** The agent operation that makes this change: {@code upsert} or {@code delete}. */
    public String op() {
        return action == Action.remove ? "delete" : "upsert";
    }
}
