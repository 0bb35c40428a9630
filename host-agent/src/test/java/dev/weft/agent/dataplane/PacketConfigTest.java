package dev.weft.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.Ipv4;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PacketConfigTest {

    @Test
    void workersOfTapPortsBusyPollAndThoseOfVhostUserPortsSleepUnlessTold() {
        Ipv4 underlay = Ipv4.parse("198.18.0.1");
        assertThat(new PacketConfig(underlay, Optional.empty(), 1, 1500).busyPollMicros()).isEqualTo(200);
        assertThat(new PacketConfig(underlay, Optional.empty(), 1, 1500, Optional.of(Path.of("/run/weft/vhost-user"))).busyPollMicros()).isZero();
        assertThat(new PacketConfig(underlay, Optional.empty(), 1, 1500, Optional.of(Path.of("/run/weft/vhost-user"))).withBusyPoll(50L).busyPollMicros())
                .isEqualTo(50);
        assertThat(new PacketConfig(underlay, Optional.empty(), 1, 1500).withBusyPoll(null).busyPollMicros()).isEqualTo(200);
        assertThatThrownBy(() -> new PacketConfig(underlay, Optional.empty(), 1, 1500, Optional.empty(), -1))
                .hasMessage("--busy-poll must be 0 or more microseconds, not -1");
    }
}
