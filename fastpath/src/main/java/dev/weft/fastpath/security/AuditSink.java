package dev.weft.fastpath.security;

/**
 * Where flow records of rules with logging enabled go. Called on the worker thread for every new flow
 * such a rule decides, so an implementation must only hand the record over (and drop and count when it
 * can't keep up), never block.
 */
public interface AuditSink {

    /**
     * A flow decided by a logged rule begins (allowed or denied), or an allowed one ends (its tracking entry
     * expired, was evicted, or the rules now deny it): the port (its key), the direction, the group and rule,
     * the 5-tuple.
     */
    void flow(boolean begin, String port, int direction, String group, String rule, boolean allowed, int protocol, int src, int srcPort,
              int dst, int dstPort);
}
