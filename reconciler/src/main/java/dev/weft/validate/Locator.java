package dev.weft.validate;

import dev.weft.manifest.Document;
import dev.weft.manifest.YamlReader;
import dev.weft.source.ManifestFile;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds documents again when an error needs a line and column. Validation keeps only the model records
 * of a file, not its parse tree and node positions (a hundred thousand of those would cost more memory
 * and garbage collection than parsing); the few files that have errors are parsed a second time here.
 */
final class Locator {

    /** A document of a file, found again on demand. */
    record DocumentRef(Locator locator, ManifestFile file, int index) {
        Document document() {
            return locator.document(file, index);
        }
    }

    private final Map<String, List<Document>> parsed = new ConcurrentHashMap<>();

    DocumentRef ref(ManifestFile file, int index) {
        return new DocumentRef(this, file, index);
    }

    Document document(ManifestFile file, int index) {
        List<Document> documents = parsed.computeIfAbsent(file.path() + "\0" + file.blobId(),
                k -> YamlReader.read(file.path(), file.content()).documents());
        return documents.stream().filter(d -> d.index() == index).findFirst()
                .orElseThrow(() -> new IllegalStateException("document " + index + " of " + file.path() + " not found again"));
    }
}
