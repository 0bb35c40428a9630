package dev.weft.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code weft status}'s table: hosts, then which Gateway host serves each NAT gateway and each public load balancer. */
class StatusTableTest {

    @Test
    void theGatewayHostsServingNatGatewaysAndPublicLoadBalancersAreListed() {
        JsonObject status = new JsonObject().put("revision", "0123456789abcdef").put("branch", "main").put("epoch", 3L)
                .put("errors", new JsonArray())
                .put("hosts", new JsonArray().add(new JsonObject().put("host", "host-b").put("state", "Synced").put("revision", "0123456789abcdef")
                        .put("ops", 0).put("lastSync", "2026-11-29T00:00:00Z")))
                .put("natGateways", new JsonObject().put("tenant-a/egress", "host-b"))
                .put("loadBalancerMuxes", new JsonObject().put("tenant-a/web-lb", "host-c"));
        StringWriter text = new StringWriter();
        StatusTable.print(status, new PrintWriter(text));
        assertThat(text.toString().replaceAll(" +", " ")).contains("NAT GATEWAY SERVED BY\ntenant-a/egress host-b\n")
                .contains("PUBLIC LOAD BALANCER MUX\ntenant-a/web-lb host-c\n");
    }
}
