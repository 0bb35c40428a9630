package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class AddressTest {

    @Test
    void ipv4ParsesDottedQuadsOnly() {
        assertThat(Ipv4.parse("10.1.1.4").value()).isEqualTo(0x0a010104);
        assertThat(Ipv4.parse("255.255.255.255").toString()).isEqualTo("255.255.255.255");
        for (String bad : new String[] {"", "10.1.1", "10.1.1.4.5", "10.1.1.256", "010.1.1.4", "10.1.1.-1", "10..1.4", "a.b.c.d", "10.1.1.4 "}) {
            assertThat(Ipv4.tryParse(bad)).as(bad).isNull();
        }
        assertThatThrownBy(() -> Ipv4.parse("x")).hasMessage("not an IPv4 address: x");
    }

    @Test
    void prefixArithmetic() {
        Ipv4Prefix web = Ipv4Prefix.parse("10.1.1.0/24");
        assertThat(web.gatewayAddress()).hasToString("10.1.1.1");
        assertThat(web.broadcastAddress()).hasToString("10.1.1.255");
        assertThat(web.contains(Ipv4.parse("10.1.1.200"))).isTrue();
        assertThat(web.contains(Ipv4.parse("10.1.2.1"))).isFalse();
        assertThat(Ipv4Prefix.parse("10.1.0.0/16").contains(web)).isTrue();
        assertThat(web.overlaps(Ipv4Prefix.parse("10.1.0.0/23"))).isTrue();
        assertThat(web.overlaps(Ipv4Prefix.parse("10.1.2.0/24"))).isFalse();
        assertThat(Ipv4Prefix.parse("10.1.1.7/24").hasHostBits()).isTrue();
        assertThat(Ipv4Prefix.parse("10.1.1.7/24").network()).hasToString("10.1.1.0/24");
        assertThat(Ipv4Prefix.parse("0.0.0.0/0").contains(Ipv4.parse("203.0.113.9"))).isTrue();
        for (String bad : new String[] {"10.1.1.0", "10.1.1.0/33", "10.1.1.0/", "10.1.1.0/08", "10.1.1/24", "10.1.1.0/2x"}) {
            assertThat(Ipv4Prefix.tryParse(bad)).as(bad).isNull();
        }
    }

    @Test
    void macAddresses() {
        MacAddress mac = MacAddress.parse("02:00:0A:01:01:04");
        assertThat(mac).hasToString("02:00:0a:01:01:04");
        assertThat(mac.isUnicast()).isTrue();
        assertThat(MacAddress.parse("01:00:5e:00:00:01").isMulticast()).isTrue();
        assertThat(MacAddress.parse("ff:ff:ff:ff:ff:ff").isMulticast()).isTrue();
        assertThat(mac.toBytes()).containsExactly(0x02, 0x00, 0x0a, 0x01, 0x01, 0x04);
        for (String bad : new String[] {"02:00:0a:01:01", "02-00-0a-01-01-04", "02:00:0a:01:01:0g", "0200.0a01.0104"}) {
            assertThat(MacAddress.tryParse(bad)).as(bad).isNull();
        }
    }

    @Property
    void ipv4RoundTripsThroughText(@ForAll int value) {
        assertThat(Ipv4.parse(new Ipv4(value).toString()).value()).isEqualTo(value);
    }

    @Property
    void prefixContainsItsNetworkGatewayAndBroadcast(@ForAll int value, @ForAll @IntRange(min = 0, max = 30) int length) {
        Ipv4Prefix prefix = new Ipv4Prefix(new Ipv4(value), length).network();
        assertThat(Ipv4Prefix.parse(prefix.toString())).isEqualTo(prefix);
        assertThat(prefix.contains(prefix.networkAddress())).isTrue();
        assertThat(prefix.contains(prefix.gatewayAddress())).isTrue();
        assertThat(prefix.contains(prefix.broadcastAddress())).isTrue();
        assertThat(prefix.contains(prefix.broadcastAddress().plus(1))).isEqualTo(length == 0);
    }

    @Property
    void macRoundTripsThroughText(@ForAll @LongRange(min = 0, max = 0xffff_ffff_ffffL) long value) {
        assertThat(MacAddress.parse(new MacAddress(value).toString()).value()).isEqualTo(value);
    }
}
