package dev.weft.contract;

import java.util.NavigableMap;

/**
 * What a host agent holds: its objects, their digest (the sum of the objects' digests), the highest
 * epoch it has accepted and the revision of the last batch. Immutable.
 */
public record AgentState(String host, long epoch, String revision, Digest digest, NavigableMap<ObjectKey, HostObject> objects) {
}
