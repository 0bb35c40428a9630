package dev.weft.compile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.contract.Digest;
import dev.weft.contract.HostObject;
import dev.weft.contract.ObjectKey;
import dev.weft.model.Model;
import dev.weft.plan.Action;
import dev.weft.plan.Differ;
import dev.weft.plan.HostChange;
import dev.weft.plan.ObjectChange;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

class CompilerProperties {

    @Provide
    Arbitrary<Model> models() {
        return Arbitraries.longs().map(RandomModels::of);
    }

    private static Map<String, NavigableMap<ObjectKey, HostObject>> slices(Compiled compiled) {
        Map<String, NavigableMap<ObjectKey, HostObject>> slices = new TreeMap<>();
        compiled.hostNames().forEach(h -> slices.put(h, compiled.slice(h)));
        return slices;
    }

    @Property(tries = 300)
    void applyingTheHostDiffOfAToBToAsSlicesGivesBsSlices(@ForAll("models") Model a, @ForAll("models") Model b) {
        Compiled before = Compiler.compile(a);
        Compiled after = Compiler.compile(b);
        Map<String, NavigableMap<ObjectKey, HostObject>> slices = slices(before);
        for (HostChange host : Differ.hosts(before, after)) {
            NavigableMap<ObjectKey, HostObject> slice = slices.computeIfAbsent(host.host(), h -> new TreeMap<>());
            for (ObjectChange change : host.objects()) {
                if (change.action() == Action.remove) {
                    assertThat(slice.remove(change.id())).isEqualTo(change.before());
                } else {
                    assertThat(slice.get(change.id())).isEqualTo(change.before());
                    slice.put(change.id(), change.after());
                }
            }
        }
        Map<String, NavigableMap<ObjectKey, HostObject>> expected = slices(after);
        // Hosts with nothing to program (added empty, or removed and emptied) compare as absent.
        slices.values().removeIf(Map::isEmpty);
        expected.values().removeIf(Map::isEmpty);
        assertThat(slices).isEqualTo(expected);
    }

    @Property(tries = 300)
    void incrementalUpdateEqualsAFullCompile(@ForAll("models") Model a, @ForAll("models") Model b) {
        Compiled full = Compiler.compile(b);
        Compiled incremental = Compiler.update(Compiler.compile(a), b);
        assertThat(slices(incremental)).isEqualTo(slices(full));
        for (String host : full.hostNames()) {
            assertThat(incremental.digest(host)).isEqualTo(full.digest(host));
        }
    }

    @Property(tries = 200)
    void aHostsDigestIsTheSumOfItsObjectsDigests(@ForAll("models") Model a) {
        Compiled compiled = Compiler.compile(a);
        for (String host : compiled.hostNames()) {
            Digest sum = compiled.slice(host).values().stream().map(HostObject::digest).reduce(Digest.ZERO, Digest::plus);
            assertThat(compiled.digest(host)).isEqualTo(sum);
        }
    }
}
