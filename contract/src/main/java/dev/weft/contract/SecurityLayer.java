package dev.weft.contract;

import java.util.List;

/** One group's rules for one direction, sorted by priority with the default rules included; the first match decides. */
public record SecurityLayer(String group, List<SecurityRule> rules) {

    public SecurityLayer {
        Require.name("group", group);
        rules = List.copyOf(rules);
        for (int r = 1; r < rules.size(); r++) {
            if (rules.get(r).priority() < rules.get(r - 1).priority()) {
                throw new IllegalArgumentException("rules of " + group + " are not sorted by priority at " + rules.get(r).name());
            }
        }
    }
}
