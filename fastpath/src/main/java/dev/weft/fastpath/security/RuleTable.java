package dev.weft.fastpath.security;

import java.util.ArrayList;
import java.util.List;

/**
 * One security layer (one group's rules for one direction) compiled for the packet path: every rule
 * expanded into atomic entries (one source prefix × one destination prefix × one port range each), in
 * priority order, as structure-of-arrays padded to a multiple of 16 so the Vector API can compare one
 * packet with 8 or 16 entries per step. The first matching entry decides.
 */
public final class RuleTable {

    /** A rule as the agent hands it over. */
    public record Rule(String name, boolean allow, int protocol, List<int[]> sources, List<int[]> destinations,
                       List<int[]> sourcePorts, List<int[]> destinationPorts, boolean logging) {
    }

    public static final int ANY_PROTOCOL = 0;
    static final int PAD = 16;

    final int size;
    final int[] srcNet;
    final int[] srcMask;
    final int[] dstNet;
    final int[] dstMask;
    final int[] srcPortLo;
    final int[] srcPortHi;
    final int[] dstPortLo;
    final int[] dstPortHi;
    final int[] protocol;      // 0 matches any
    final int[] protocolMask;  // 0 for any, -1 otherwise
    final int[] rule;          // index into rules
    final List<Rule> rules;
    /** How many new flows each rule decided (all workers). */
    public final java.util.concurrent.atomic.AtomicLongArray hits;

    /** The group the rules come from ({@code namespace/name}), for counters and audit records. */
    public final String group;

    public RuleTable(List<Rule> rules) {
        this("", rules);
    }

    public RuleTable(String group, List<Rule> rules) {
        this.group = group;
        this.rules = List.copyOf(rules);
        this.hits = new java.util.concurrent.atomic.AtomicLongArray(Math.max(1, rules.size()));
        List<int[]> entries = new ArrayList<>();
        for (int r = 0; r < rules.size(); r++) {
            Rule rule = rules.get(r);
            for (int[] s : rule.sources()) {
                for (int[] d : rule.destinations()) {
                    for (int[] sp : rule.sourcePorts()) {
                        for (int[] dp : rule.destinationPorts()) {
                            entries.add(new int[] {s[0], s[1], d[0], d[1], sp[0], sp[1], dp[0], dp[1], rule.protocol(), r});
                        }
                    }
                }
            }
        }
        size = entries.size();
        int capacity = Math.max(PAD, (size + PAD - 1) / PAD * PAD);
        srcNet = new int[capacity];
        srcMask = new int[capacity];
        dstNet = new int[capacity];
        dstMask = new int[capacity];
        srcPortLo = new int[capacity];
        srcPortHi = new int[capacity];
        dstPortLo = new int[capacity];
        dstPortHi = new int[capacity];
        protocol = new int[capacity];
        protocolMask = new int[capacity];
        rule = new int[capacity];
        for (int e = 0; e < capacity; e++) {
            if (e < size) {
                int[] x = entries.get(e);
                srcNet[e] = x[0] & x[1];
                srcMask[e] = x[1];
                dstNet[e] = x[2] & x[3];
                dstMask[e] = x[3];
                srcPortLo[e] = x[4];
                srcPortHi[e] = x[5];
                dstPortLo[e] = x[6];
                dstPortHi[e] = x[7];
                protocol[e] = x[8];
                protocolMask[e] = x[8] == ANY_PROTOCOL ? 0 : -1;
                rule[e] = x[9];
            } else { // padding never matches: an empty port range
                srcPortLo[e] = 1;
                srcPortHi[e] = 0;
                rule[e] = -1;
            }
        }
    }

    public int size() {
        return size;
    }

    public List<Rule> rules() {
        return rules;
    }
}
