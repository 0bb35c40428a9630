package dev.weft.contract;

import java.util.NavigableMap;

/**
 * What a host agent holds: its objects, their digest (the sum of the objects' digests), the highest
 * epoch it has accepted and the revision of the last batch; and the build of Weft the agent runs
 * ({@link BuildInfo#id()}, "unknown" from an agent that doesn't say). Immutable.
 */
public record AgentState(String host, long epoch, String revision, Digest digest, NavigableMap<ObjectKey, HostObject> objects, String version) {

    /** A state of this process's build. */
    public AgentState(String host, long epoch, String revision, Digest digest, NavigableMap<ObjectKey, HostObject> objects) {
        this(host, epoch, revision, digest, objects, BuildInfo.current().id());
    }
}
