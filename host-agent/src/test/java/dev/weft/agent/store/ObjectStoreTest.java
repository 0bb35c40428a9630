package dev.weft.agent.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.contract.AgentState;
import dev.weft.contract.ApiError;
import dev.weft.contract.Batch;
import dev.weft.contract.ContractException;
import dev.weft.contract.ObjectKey;
import dev.weft.contract.ObjectKind;
import dev.weft.contract.Op;
import dev.weft.contract.PortSpec;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.net.MacAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A batch is all or nothing across the data plane and the disk. */
class ObjectStoreTest {

    @TempDir
    Path dir;

    static PortSpec port(String name, String ip) {
        return new PortSpec("tenant-a", name, "tenant-a/blue", 5001, MacAddress.parse("02:00:0a:01:01:0" + ip.charAt(ip.length() - 1)),
                Ipv4.parse(ip), Ipv4Prefix.parse("10.1.1.0/24"), Ipv4.parse("10.1.1.1"));
    }

    /** A data plane that can't take a port named "bad" (as when its TAP device can't be opened). */
    static final class Programmed {
        final List<AgentState> states = new ArrayList<>();

        void program(AgentState state) {
            if (state.objects().containsKey(new ObjectKey(ObjectKind.Port, "tenant-a/bad"))) {
                throw new IllegalStateException("cannot open TAP device wft0000bad of port tenant-a/bad: Device or resource busy");
            }
            states.add(state);
        }
    }

    @Test
    void whenTheDataPlaneRefusesABatchNothingOfItIsAppliedOrPersisted() throws Exception {
        Programmed dataplane = new Programmed();
        ObjectStore store = ObjectStore.open("host-a", dir, false, dataplane::program);
        List<AgentState> committed = new ArrayList<>();
        store.onCommit(committed::add);
        store.apply(new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        AgentState good = store.state();

        assertThatThrownBy(() -> store.apply(new Batch(1, "rev2", null, List.of(Op.upsert(port("web-2", "10.1.1.5")), Op.upsert(port("bad", "10.1.1.6"))))))
                .isInstanceOf(ContractException.class)
                .hasMessageContaining("the data plane refused the batch, nothing of it was applied")
                .hasMessageContaining("Device or resource busy")
                .satisfies(e -> assertThat(((ContractException) e).error()).isEqualTo(ApiError.INTERNAL));
        assertThat(store.state()).isEqualTo(good);
        assertThat(dataplane.states.getLast()).isEqualTo(good);
        assertThat(committed).containsExactly(good); // watchers never saw the refused state
        assertThat(ObjectStore.open("host-a", dir, false, s -> { }).state().digest()).as("on disk too").isEqualTo(good.digest());
    }

    @Test
    void whenPersistingFailsTheDataPlaneGoesBackToTheOldState() throws Exception {
        Programmed dataplane = new Programmed();
        ObjectStore store = ObjectStore.open("host-a", dir, false, dataplane::program);
        store.apply(new Batch(1, "rev1", null, List.of(Op.upsert(port("web-1", "10.1.1.4")))));
        AgentState good = store.state();
        Files.createDirectory(dir.resolve("state.json.tmp")); // the write of the new state file fails

        assertThatThrownBy(() -> store.apply(new Batch(1, "rev2", null, List.of(Op.upsert(port("web-2", "10.1.1.5"))))))
                .isInstanceOf(java.io.IOException.class);
        assertThat(store.state()).isEqualTo(good);
        assertThat(dataplane.states.getLast()).as("programmed back").isEqualTo(good);
    }
}
