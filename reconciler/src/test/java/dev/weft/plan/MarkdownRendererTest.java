package dev.weft.plan;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.contract.Digest;
import dev.weft.contract.Encapsulation;
import dev.weft.contract.HostObject;
import dev.weft.contract.MappingSpec;
import dev.weft.contract.NetworkSpec;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pull-request comment of plans too large to read host by host: grouped, drawn, and cut below GitHub's limit. */
class MarkdownRendererTest {

    static ObjectChange added(dev.weft.contract.Spec spec) {
        HostObject o = HostObject.of(spec);
        return new ObjectChange(Action.add, o.id(), null, o, List.of());
    }

    static MappingSpec mapping(int i) {
        return new MappingSpec(5001, new Ipv4(0x0a010000 + i), MacAddress.parse("02:00:0a:01:00:01"), Ipv4.parse("198.18.0.9"), Encapsulation.VXLAN,
                "vm-" + i);
    }

    static final NetworkSpec BLUE = new NetworkSpec("tenant-a", "blue", 5001, Encapsulation.VXLAN, List.of(Ipv4Prefix.parse("10.1.0.0/16")), List.of());

    @Test
    void theSameOperationOnTwentyHostsIsShownOnceWithItsHosts() {
        List<HostChange> hosts = new ArrayList<>();
        for (int h = 0; h < 20; h++) {
            hosts.add(new HostChange("node-%02d".formatted(h), Digest.ZERO, Digest.ZERO, List.of(added(mapping(1000)), added(mapping(h)))));
        }
        String md = MarkdownRenderer.render(new Plan("aaaa", "bbbb", List.of(), hosts, 20));
        assertThat(md).contains("<details><summary>On several hosts (1 operations)</summary>")
                .contains("+ Mapping 5001/10.1.3.232 on 20 hosts (node-00, node-01, node-02, node-03, node-04, node-05, node-06, node-07, …)  {");
        assertThat(md.split("Mapping 5001/10.1.3.232", -1)).as("shown once").hasSize(2);
        assertThat(md).contains("<details><summary>Host <code>node-07</code>: 2 to add, 0 to change, 0 to remove (1 of them under On several hosts)</summary>")
                .contains("+ Mapping 5001/10.1.0.7  {");
    }

    @Test
    void aDiagramShowsTheNetworksAndHostsItTouches() {
        List<HostChange> hosts = List.of(
                new HostChange("host-a", Digest.ZERO, Digest.ZERO, List.of(added(BLUE), added(mapping(4)))),
                new HostChange("host-b", Digest.ZERO, Digest.ZERO, List.of(added(mapping(4)))));
        String md = MarkdownRenderer.render(new Plan("aaaa", "bbbb", List.of(), hosts, 2));
        assertThat(md).contains("```mermaid\nflowchart LR\n").contains("  net_0[\"tenant-a/blue\"]\n").contains("  host_0{{\"host-a\"}}\n")
                .contains("  net_0 -. mappings .-> host_0\n").contains("  net_0 -. mappings .-> host_1\n").contains("classDef add");
    }

    @Test
    void aCommentLongerThanGitHubTakesIsCutAtALineWithItsBlocksClosedAndANote() {
        List<ObjectChange> many = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            many.add(added(mapping(i)));
        }
        String md = MarkdownRenderer.render(new Plan("aaaa", "bbbb", List.of(), List.of(new HostChange("host-a", Digest.ZERO, Digest.ZERO, many)), 1));
        assertThat(md.length()).isLessThan(65_536);
        assertThat(md).contains("more than a GitHub comment holds: cut here.** `weft plan --output json`");
        assertThat(md.split("\n```", -1).length % 2).as("every code block closed").isEqualTo(1);
        assertThat(md.lastIndexOf("</details>")).isGreaterThan(md.lastIndexOf("<details>"));
        String beforeNote = md.substring(0, md.indexOf("\n**This plan is"));
        assertThat(beforeNote).endsWith("```\n\n</details>\n");
    }
}
