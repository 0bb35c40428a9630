package dev.weft.plan;

/** What a change does to a resource or a host object. */
public enum Action {
    add("+"), change("~"), remove("-");

    private final String symbol;

    Action(String symbol) {
        this.symbol = symbol;
    }

    /** Terraform's marks: {@code +}, {@code ~}, {@code -}. */
    public String symbol() {
        return symbol;
    }
}
