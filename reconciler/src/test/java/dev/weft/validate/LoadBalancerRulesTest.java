package dev.weft.validate;

import static dev.weft.validate.Fixtures.nic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoadBalancer manifests: references, frontends, backends in the frontend's network, unique ports, and what isn't programmed yet. */
class LoadBalancerRulesTest {

    @TempDir
    Path dir;

    Fixtures repo;

    /** Six header lines; the frontend at line 7, the pool at 9, the rule at 11. */
    static String lb(String frontend, String pool, String rules) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: LoadBalancer
                metadata: {name: web-lb, namespace: tenant-a}
                spec:
                  frontendIPConfigurations:
                    - %s
                  backendAddressPools:
                    - %s
                  loadBalancingRules:
                %s""".formatted(frontend, pool, rules);
    }

    static final String FRONTEND = "{name: fe, virtualNetwork: blue, subnet: web, privateIPAddress: 10.1.1.100}";
    static final String POOL = "{name: pool, networkInterfaces: [web-1, web-2]}";
    static final String RULE = "    - {name: http, frontendIPConfiguration: fe, backendAddressPool: pool, protocol: Tcp, frontendPort: 80, backendPort: 8080}\n";

    @BeforeEach
    void setUp() {
        repo = new Fixtures(dir).base();
        repo.write("nics.yaml", nic("web-1", "web", "02:00:0a:01:01:04", "10.1.1.4") + "---\n" + nic("web-2", "web", "02:00:0a:01:01:05", "10.1.1.5"));
    }

    @Test
    void aPrivateFrontendOverAPoolIsValid() {
        repo.write("lb.yaml", lb(FRONTEND, POOL, RULE));
        assertThat(repo.problems()).isEmpty();
        assertThat(repo.validate().model().orElseThrow().loadBalancers()).hasSize(1);
    }

    @Test
    void referencesResolveTheFrontendIsAFreeAddressOfItsSubnetAndPortsAreUnique() {
        repo.write("lb.yaml", lb(FRONTEND.replace("10.1.1.100", "10.1.1.4"), POOL.replace("web-2", "web-9"),
                RULE + RULE.replace("name: http", "name: again").replace("backendAddressPool: pool", "backendAddressPool: other")));
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "lb.yaml:6:71: error: spec.frontendIPConfigurations[0].privateIPAddress: 10.1.1.4 is the address of interface web-1",
                "lb.yaml:8:47: error: spec.backendAddressPools[0].networkInterfaces[1]: network interface \"web-9\" does not exist in namespace tenant-a",
                "lb.yaml:11:70: error: spec.loadBalancingRules[1].backendAddressPool: no backend pool \"other\" in load balancer web-lb",
                "lb.yaml:11:106: error: spec.loadBalancingRules[1].frontendPort: Tcp port 80 of frontend fe is already the port of rule http");
    }

    @Test
    void aPublicFrontendsAddressMustExistAndAFloatingIpKeepsThePort() {
        repo.write("lb.yaml", lb("{name: fe, publicIPAddress: web-vip}", POOL, RULE.replace("backendPort: 8080", "backendPort: 8080, enableFloatingIP: true")));
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "lb.yaml:6:35: error: spec.frontendIPConfigurations[0].publicIPAddress: public IP address \"web-vip\" does not exist in namespace tenant-a",
                "lb.yaml:10:121: error: spec.loadBalancingRules[0].backendPort: with enableFloatingIP the backend gets the frontend's address and port: "
                        + "backendPort must be frontendPort (80)");
    }

    @Test
    void anInboundNatRuleNamesAnInterfaceAndAFreePort() {
        repo.write("lb.yaml", lb(FRONTEND, POOL, RULE) + """
                  inboundNatRules:
                    - {name: ssh, frontendIPConfiguration: fe, protocol: Tcp, frontendPort: 80, backendNetworkInterface: web-9, backendPort: 22}
                """);
        assertThat(repo.problems()).containsExactlyInAnyOrder(
                "lb.yaml:12:106: error: spec.inboundNatRules[0].backendNetworkInterface: network interface \"web-9\" does not exist in namespace tenant-a",
                "lb.yaml:12:77: error: spec.inboundNatRules[0].frontendPort: Tcp port 80 of frontend fe is already taken by rule http");
    }
}
