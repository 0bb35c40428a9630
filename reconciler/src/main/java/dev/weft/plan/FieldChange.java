package dev.weft.plan;

/** One field's old and new value; null for a field that is absent on that side. */
public record FieldChange(String field, String before, String after) {
}
