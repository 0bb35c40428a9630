package dev.weft.contract;

/** Field checks the spec records share. */
final class Require {

    static final int MAX_VNI = (1 << 24) - 1;

    private Require() {
    }

    static void name(String field, String value) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(field + " is required");
        }
    }

    static void vni(int vni) {
        if (vni < 1 || vni > MAX_VNI) {
            throw new IllegalArgumentException("vni " + vni + " is not within 1-" + MAX_VNI);
        }
    }
}
