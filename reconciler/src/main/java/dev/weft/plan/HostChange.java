package dev.weft.plan;

import dev.weft.contract.Digest;
import java.util.List;

/** What one host's programming gains, changes and loses, with its digest before and after. */
public record HostChange(String host, Digest digestBefore, Digest digestAfter, List<ObjectChange> objects) {

    public HostChange {
        objects = List.copyOf(objects);
    }

    public long count(Action action) {
        return objects.stream().filter(o -> o.action() == action).count();
    }
}
