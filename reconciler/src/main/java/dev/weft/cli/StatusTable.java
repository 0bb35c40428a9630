package dev.weft.cli;

import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;

/** Prints a reconciler status (the JSON of GET /v1/status) as a table. */
final class StatusTable {

    private StatusTable() {
    }

    static void print(JsonObject status, PrintWriter out) {
        out.printf("revision %s on %s (epoch %d)%n", abbreviate(status.getString("revision", "")), status.getString("branch"),
                status.getLong("epoch"));
        if (!status.getString("invalidRevision", "").isEmpty()) {
            out.printf("revision %s is invalid and was not applied:%n", abbreviate(status.getString("invalidRevision")));
            status.getJsonArray("errors").forEach(e -> out.println("  " + e));
        } else if (!status.getJsonArray("errors").isEmpty()) {
            status.getJsonArray("errors").forEach(e -> out.println("error: " + e));
        }
        out.printf("%-16s %-12s %-13s %5s  %-24s %s%n", "HOST", "STATE", "REVISION", "OPS", "LAST SYNC", "LAST ERROR");
        for (Object entry : status.getJsonArray("hosts")) {
            JsonObject h = (JsonObject) entry;
            out.printf("%-16s %-12s %-13s %5d  %-24s %s%n", h.getString("host"), h.getString("state"), abbreviate(h.getString("revision", "")),
                    h.getInteger("ops"), h.getString("lastSync") == null ? "-" : h.getString("lastSync"), h.getString("lastError", ""));
        }
        String skew = skew(status);
        if (!skew.isEmpty()) {
            out.println(skew);
        }
        JsonObject gateways = status.getJsonObject("natGateways", new JsonObject());
        if (!gateways.isEmpty()) {
            out.printf("%n%-32s %s%n", "NAT GATEWAY", "SERVED BY");
            gateways.forEach(g -> out.printf("%-32s %s%n", g.getKey(), g.getValue()));
        }
        JsonObject muxes = status.getJsonObject("loadBalancerMuxes", new JsonObject());
        if (!muxes.isEmpty()) {
            out.printf("%n%-32s %s%n", "PUBLIC LOAD BALANCER", "MUX");
            muxes.forEach(m -> out.printf("%-32s %s%n", m.getKey(), m.getValue()));
        }
        JsonObject peerings = status.getJsonObject("peerings", new JsonObject());
        if (!peerings.isEmpty()) {
            out.printf("%n%-32s %s%n", "PEERING", "STATE");
            peerings.forEach(p -> out.printf("%-32s %s%n", p.getKey(), p.getValue()));
        }
        JsonObject backends = status.getJsonObject("backends", new JsonObject());
        if (!backends.isEmpty()) {
            out.printf("%n%-32s %-24s %s%n", "LOAD BALANCING RULE", "BACKEND", "HEALTH");
            backends.forEach(rule -> ((JsonObject) rule.getValue()).forEach(b -> out.printf("%-32s %-24s %s%n", rule.getKey(), b.getKey(), b.getValue())));
        }
        out.flush();
    }

    /**
     * "version skew: …" naming every host whose agent runs another build than the reconciler (hosts whose build isn't
     * known yet are left out), or empty.
     */
    static String skew(JsonObject status) {
        String mine = status.getString("version", "");
        java.util.List<String> others = new java.util.ArrayList<>();
        for (Object entry : status.getJsonArray("hosts")) {
            JsonObject h = (JsonObject) entry;
            String theirs = h.getString("version", "");
            if (!mine.isEmpty() && !theirs.isEmpty() && !theirs.equals(mine)) {
                others.add(h.getString("host") + " runs " + theirs);
            }
        }
        return others.isEmpty() ? "" : "version skew: the reconciler runs " + mine + "; " + String.join(", ", others);
    }

    private static String abbreviate(String revision) {
        return revision.length() > 12 ? revision.substring(0, 12) : revision.isEmpty() ? "-" : revision;
    }
}
