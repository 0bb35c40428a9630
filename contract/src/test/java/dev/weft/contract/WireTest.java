package dev.weft.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire format as a specification: what a batch looks like, what is refused and how the refusal names the field. */
class WireTest {

    static final SecurityRule ALLOW_HTTP = new SecurityRule("allow-http", 100, SecurityRule.Access.Allow, SecurityRule.Protocol.TCP,
            List.of(Ipv4Prefix.parse("0.0.0.0/0")), List.of(Ipv4Prefix.parse("10.1.1.0/24")), List.of(PortRange.ANY),
            List.of(new PortRange(80, 80)), true);

    static PortSpec port(PortSecurity security) {
        return new PortSpec("tenant-a", "web-1", "tenant-a/blue", 5001, MacAddress.parse("02:00:0a:01:01:04"), Ipv4.parse("10.1.1.4"),
                Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1"), security);
    }

    static final PortSpec SECURED = port(new PortSecurity(List.of(new SecurityLayer("tenant-a/web-nsg", List.of(ALLOW_HTTP))), List.of()));

    @Test
    void aBatchRoundTripsWithTypedSpecsAndTheSameDigests() throws Exception {
        Batch batch = new Batch(7, "abc123", Digest.ZERO.toString(), List.of(Op.upsert(SECURED),
                Op.upsert(new MappingSpec(5001, Ipv4.parse("10.1.1.5"), MacAddress.parse("02:00:0a:01:01:05"), Ipv4.parse("198.18.0.2"),
                        Encapsulation.VXLAN)), Op.delete(new ObjectKey(ObjectKind.Network, "tenant-a/old"))));
        Batch read = Wire.batch(Wire.write(batch));
        assertThat(read).isEqualTo(batch);
        assertThat(read.ops().getFirst().object().spec(PortSpec.class).security().inbound().getFirst().rules().getFirst())
                .isEqualTo(ALLOW_HTTP);
        assertThat(read.ops().getFirst().object().digest()).isEqualTo(SECURED.toObject().digest());
    }

    @Test
    void canonicalJsonSortsKeysAndWritesAddressesAsStrings() {
        HostObject mapping = new MappingSpec(5001, Ipv4.parse("10.1.1.5"), MacAddress.parse("02:00:0a:01:01:05"), Ipv4.parse("198.18.0.2"),
                Encapsulation.NVGRE).toObject();
        assertThat(mapping.canonicalSpec()).isEqualTo(
                "{\"encapsulation\":\"NVGRE\",\"ip\":\"10.1.1.5\",\"mac\":\"02:00:0a:01:01:05\",\"name\":\"\",\"providerAddress\":\"198.18.0.2\",\"vni\":5001}");
        assertThat(SECURED.toObject().canonicalSpec()).contains("\"destinationPorts\":[\"80-80\"]").contains("\"source\":[\"0.0.0.0/0\"]");
    }

    private static String upsert(String spec) {
        return "{\"epoch\":1,\"ops\":[{\"op\":\"upsert\",\"kind\":\"Port\",\"key\":\"tenant-a/web-1\",\"spec\":" + spec + "}]}";
    }

    @Test
    void aMalformedFieldDeepInASpecIsRefusedByItsPath() {
        String good = Wire.tree(SECURED.toObject()).get("spec").toString();
        assertThat(good).contains("\"0.0.0.0/0\"");
        assertThatThrownBy(() -> Wire.batch(upsert(good.replace("\"0.0.0.0/0\"", "\"0.0.0.0/99\""))))
                .isInstanceOf(ContractException.class)
                .hasMessageStartingWith("ops[0].spec.security.inbound[0].rules[0].source[0]: ")
                .satisfies(e -> assertThat(((ContractException) e).error()).isEqualTo(ApiError.INVALID));
        assertThatThrownBy(() -> Wire.batch(upsert(good.replace("\"80-80\"", "\"90-80\""))))
                .hasMessageStartingWith("ops[0].spec.security.inbound[0].rules[0].destinationPorts[0]: ");
        assertThatThrownBy(() -> Wire.batch(upsert(good.replace("\"priority\":100,", ""))))
                .hasMessageStartingWith("ops[0].spec.security.inbound[0].rules[0]").hasMessageContaining("priority");
        assertThatThrownBy(() -> Wire.batch(upsert(good.replace("\"vni\":5001", "\"vni\":16777216"))))
                .hasMessageContaining("vni 16777216 is not within 1-16777215");
        assertThatThrownBy(() -> Wire.batch(upsert(good.replace("\"vni\":5001", "\"vni\":5001,\"color\":\"red\""))))
                .hasMessageStartingWith("ops[0].spec.color: ");
        assertThatThrownBy(() -> Wire.batch(upsert(good.replace("\"ip\":\"10.1.1.4\"", "\"ip\":\"10.1.2.4\""))))
                .hasMessageContaining("ip 10.1.2.4 is outside subnet 10.1.1.0/24");
    }

    @Test
    void aTraceTakesASegmentSizeForAFrameFromAPortOrAVxlanDatagramOnly() {
        Ipv4 host = Ipv4.parse("198.18.0.1");
        assertThat(TraceRequest.fromUnderlay(host, new byte[] {1}, 1200).segmentSize()).isEqualTo(1200);
        assertThat(TraceRequest.fromPort("tenant-a/web-1", new byte[] {1}, 1448).segmentSize()).isEqualTo(1448);
        assertThatThrownBy(() -> new TraceRequest(null, host, Encapsulation.NVGRE, "AQ==", 1200, null))
                .hasMessage("segmentSize is 1-65535, for a frame from a port or a VXLAN datagram");
        assertThatThrownBy(() -> TraceRequest.fromUnderlay(host, new byte[] {1}, 0)).hasMessageStartingWith("segmentSize is 1-65535");
    }

    @Test
    void aTraceStartsAtExactlyOneOfAPortTheUnderlayAndTheUplink() throws ContractException {
        TraceRequest fromOutside = Wire.read("{\"uplink\":true,\"frame\":\"AQ==\"}", TraceRequest.class);
        assertThat(fromOutside.fromUplink()).isTrue();
        assertThat(Wire.read(Wire.json(TraceRequest.fromUplink(new byte[] {1})), TraceRequest.class)).isEqualTo(fromOutside);
        assertThat(Wire.read("{\"port\":\"tenant-a/web-1\",\"uplink\":false,\"frame\":\"AQ==\"}", TraceRequest.class).fromUplink()).isFalse();
        assertThatThrownBy(() -> Wire.read("{\"port\":\"tenant-a/web-1\",\"uplink\":true,\"frame\":\"AQ==\"}", TraceRequest.class))
                .hasMessageContaining("a trace starts at a port, at the underlay or at the uplink: set one of port, underlaySource and uplink")
                .satisfies(e -> assertThat(((ContractException) e).error()).isEqualTo(ApiError.INVALID));
        assertThatThrownBy(() -> Wire.read("{\"frame\":\"AQ==\"}", TraceRequest.class)).hasMessageContaining("set one of port");
        assertThatThrownBy(() -> Wire.read("{\"uplink\":true,\"frame\":\"AQ==\",\"segmentSize\":1448}", TraceRequest.class))
                .hasMessageContaining("segmentSize is 1-65535, for a frame from a port or a VXLAN datagram");
    }

    @Test
    void whatIsNotABatchIsABadRequestAndABadEnvelopeIsInvalid() {
        assertThatThrownBy(() -> Wire.batch("not json")).satisfies(e -> assertThat(((ContractException) e).error()).isEqualTo(ApiError.BAD_REQUEST));
        assertThatThrownBy(() -> Wire.batch("[]")).satisfies(e -> assertThat(((ContractException) e).error()).isEqualTo(ApiError.BAD_REQUEST));
        assertThatThrownBy(() -> Wire.batch("{\"epoch\":\"x\",\"ops\":[]}")).hasMessageStartingWith("epoch: ");
        assertThatThrownBy(() -> Wire.batch("{\"epoch\":1,\"ops\":[{\"op\":\"explode\",\"kind\":\"Port\",\"key\":\"a/b\"}]}"))
                .hasMessageStartingWith("ops[0].op: ");
        assertThatThrownBy(() -> Wire.batch("{\"epoch\":1,\"ops\":[{\"op\":\"delete\",\"kind\":\"Router\",\"key\":\"a/b\"}]}"))
                .hasMessageStartingWith("ops[0].kind: unknown kind");
    }

    @Test
    void theErrorCodesMapToTheApisStatuses() {
        assertThat(ApiError.BASE_DIGEST_MISMATCH.status()).isEqualTo(409);
        assertThat(ApiError.STALE_EPOCH.status()).isEqualTo(412);
        assertThat(ApiError.INVALID.status()).isEqualTo(422);
        assertThat(Wire.error(ApiError.STALE_EPOCH, "old")).isEqualTo("{\"code\":\"STALE_EPOCH\",\"error\":\"old\"}");
    }
}
