package dev.weft.manifest;

import java.util.Map;
import org.snakeyaml.engine.v2.api.ConstructNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.resolver.ScalarResolver;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * YAML 1.2's core schema, with a shortcut: a plain scalar that can't be a number, boolean or null
 * (most are names and addresses: {@code host-a}, {@code NetworkInterface}) is a string without running
 * the core schema's regular expressions. Everything else is resolved by the core schema itself.
 */
final class FastCoreSchema extends CoreSchema {

    private final ScalarResolver core = super.getScalarResolver();
    private final ScalarResolver fast = (value, implicit) -> {
        if (implicit && !value.isEmpty() && !mayBeTyped(value.charAt(0))) {
            return Tag.STR;
        }
        return core.resolve(value, implicit);
    };

    /** Numbers start with a digit, sign or dot; true, false, null and ~ with one of these letters. */
    private static boolean mayBeTyped(char c) {
        return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == '~'
                || c == 't' || c == 'T' || c == 'f' || c == 'F' || c == 'n' || c == 'N' || c == '<';
    }

    @Override
    public ScalarResolver getScalarResolver() {
        return fast;
    }

    @Override
    public Map<Tag, ConstructNode> getSchemaTagConstructors() {
        return super.getSchemaTagConstructors();
    }
}
