package dev.weft.fastpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.fastpath.io.NetNamespace;
import dev.weft.fastpath.io.TapDevice;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** TAP devices are opened exclusively: a port never takes over a device that already exists. Needs root; in CI it must run. */
class TapDeviceTest {

    @Test
    void anExistingDeviceIsNeverTakenOver() throws Exception {
        boolean root = "0".equals(Netns.sh("id", "-u").trim());
        if (!"true".equals(System.getenv("CI"))) {
            Assumptions.assumeTrue(root, "needs root for network namespaces and TAP devices");
        }
        try (Netns netns = new Netns()) {
            String ns = netns.add("tap");
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread.ofPlatform().start(() -> {
                try {
                    NetNamespace.enter(ns);
                    try (TapDevice first = TapDevice.open("wftexcl0")) {
                        assertThat(first.name()).isEqualTo("wftexcl0");
                        assertThatThrownBy(() -> TapDevice.open("wftexcl0")).hasMessageContaining("TUNSETIFF wftexcl0")
                                .hasMessageContaining("busy");
                    }
                    java.util.List<TapDevice> queues = TapDevice.openQueues("wftmq0", 2); // a queue per worker
                    try {
                        assertThat(queues).hasSize(2).allSatisfy(q -> assertThat(q.name()).isEqualTo("wftmq0"));
                        assertThat(queues.get(0).fd()).isNotEqualTo(queues.get(1).fd());
                        assertThatThrownBy(() -> TapDevice.openQueues("wftmq0", 2)).as("a multi-queue device isn't taken over either")
                                .hasMessageContaining("busy");
                    } finally {
                        queues.forEach(TapDevice::close);
                    }
                    done.complete(null);
                } catch (Throwable e) {
                    done.completeExceptionally(e);
                }
            });
            done.get();
        }
    }
}
