package dev.weft.manifest;

/** Converts between JSON pointers ({@code /spec/subnets/1/name}) and field paths ({@code spec.subnets[1].name}). */
public final class FieldPath {

    private FieldPath() {
    }

    public static String fromPointer(String pointer) {
        if (pointer == null || pointer.isEmpty() || pointer.equals("/")) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (String raw : pointer.substring(1).split("/", -1)) {
            String token = raw.replace("~1", "/").replace("~0", "~");
            if (!token.isEmpty() && token.chars().allMatch(Character::isDigit)) {
                out.append('[').append(token).append(']');
            } else {
                if (!out.isEmpty()) {
                    out.append('.');
                }
                out.append(token);
            }
        }
        return out.toString();
    }

    public static String child(String pointer, String name) {
        return pointer + "/" + name.replace("~", "~0").replace("/", "~1");
    }

    public static String child(String pointer, int index) {
        return pointer + "/" + index;
    }
}
