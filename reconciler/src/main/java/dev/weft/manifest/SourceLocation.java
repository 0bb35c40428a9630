package dev.weft.manifest;

/** A place in a manifest file: path relative to the repository root, 1-based line and column. */
public record SourceLocation(String file, int line, int column) implements Comparable<SourceLocation> {

    @Override
    public int compareTo(SourceLocation other) {
        int byFile = file.compareTo(other.file);
        if (byFile != 0) {
            return byFile;
        }
        int byLine = Integer.compare(line, other.line);
        return byLine != 0 ? byLine : Integer.compare(column, other.column);
    }

    @Override
    public String toString() {
        return file + ":" + line + ":" + column;
    }
}
