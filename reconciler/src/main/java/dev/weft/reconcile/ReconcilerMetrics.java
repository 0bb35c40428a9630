package dev.weft.reconcile;

import dev.weft.contract.BuildInfo;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * The reconciler's Prometheus metrics, served at {@code /metrics} beside {@code /v1/status}: how long loops take
 * ({@code weft_reconcile_duration_seconds}, a histogram), loops that ended with an error by reason
 * ({@code weft_reconcile_errors_total}), each host's sync state ({@code weft_host_sync_status{host,state}}: 1 for its
 * state, 0 for the others), the revision programmed ({@code weft_revision_info{revision}}), this build
 * ({@code weft_build_info{version,commit}}) and the JVM's.
 */
public final class ReconcilerMetrics {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer duration = Timer.builder("weft_reconcile_duration").description("Time one reconcile loop took")
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(60)).register(registry);
    private final Map<String, Meter.Id[]> hostGauges = new HashMap<>();
    private volatile ReconcilerStatus last;
    private final io.prometheus.metrics.core.metrics.Info revisionInfo;
    private String revision = "";

    public ReconcilerMetrics() {
        BuildInfo build = BuildInfo.current();
        // Info metrics (name_info{labels} 1) straight in Prometheus's registry: Micrometer would drop a gauge's "_info"
        io.prometheus.metrics.core.metrics.Info.builder().name("weft_build_info").help("This build of Weft").labelNames("version", "commit")
                .register(registry.getPrometheusRegistry()).addLabelValues(build.version(), build.commit());
        revisionInfo = io.prometheus.metrics.core.metrics.Info.builder().name("weft_revision_info").help("The revision programmed")
                .labelNames("revision").register(registry.getPrometheusRegistry());
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        for (String reason : new String[] {"invalid_revision", "source", "host"}) {
            errors(reason); // every reason present from the start, at 0
        }
    }

    private Counter errors(String reason) {
        return Counter.builder("weft_reconcile_errors").tag("reason", reason)
                .description("Loops that ended with an error: an invalid revision, a branch that couldn't be read, a host not Synced")
                .register(registry);
    }

    /** Records a loop that took {@code took} and ended with {@code status}. */
    public synchronized void loop(ReconcilerStatus status, Duration took) {
        last = status;
        duration.record(took);
        if (!status.invalidRevision().isEmpty()) {
            errors("invalid_revision").increment();
        } else if (!status.errors().isEmpty()) {
            errors("source").increment();
        }
        if (status.hosts().stream().anyMatch(h -> h.state() != SyncState.Synced)) {
            errors("host").increment();
        }
        for (HostStatus h : status.hosts()) {
            hostGauges.computeIfAbsent(h.host(), host -> {
                Meter.Id[] ids = new Meter.Id[SyncState.values().length];
                for (SyncState state : SyncState.values()) {
                    ids[state.ordinal()] = Gauge.builder("weft_host_sync_status", () -> state(host) == state ? 1 : 0)
                            .tag("host", host).tag("state", state.name()).description("1 for the host's sync state, 0 for the others")
                            .register(registry).getId();
                }
                return ids;
            });
        }
        hostGauges.keySet().removeIf(host -> {
            boolean gone = status.hosts().stream().noneMatch(h -> h.host().equals(host));
            if (gone) {
                for (Meter.Id id : hostGauges.get(host)) {
                    registry.remove(id);
                }
            }
            return gone;
        });
        if (!status.revision().equals(revision)) {
            if (!revision.isEmpty()) {
                revisionInfo.remove(revision);
            }
            revision = status.revision();
            if (!revision.isEmpty()) {
                revisionInfo.addLabelValues(revision);
            }
        }
    }

    private SyncState state(String host) {
        ReconcilerStatus s = last;
        return s == null ? null : s.hosts().stream().filter(h -> h.host().equals(host)).map(HostStatus::state).findFirst().orElse(null);
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }
}
