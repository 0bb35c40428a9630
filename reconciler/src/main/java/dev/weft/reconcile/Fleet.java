package dev.weft.reconcile;

import dev.weft.contract.client.AgentClient;
import dev.weft.contract.Digest;
import dev.weft.contract.AgentState;
import dev.weft.compile.Compiled;
import dev.weft.model.Host;
import dev.weft.plan.Differ;
import dev.weft.plan.HostChange;
import dev.weft.plan.Plan;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/** Every host of a compiled model at once: each host on its own virtual thread, none waiting for another. */
public final class Fleet {

    private final AgentAccess access;
    private final RetryPolicy retry;

    public Fleet(AgentAccess access, RetryPolicy retry) {
        this.access = access;
        this.retry = retry;
    }

    public AgentAccess access() {
        return access;
    }

    /** Syncs every host of {@code desired}; the statuses come back sorted by host. */
    public List<HostStatus> sync(Compiled desired, long epoch, String revision) {
        return sync(desired, epoch, revision, host -> Optional.empty());
    }

    /** As {@link #sync(Compiled, long, String)}, skipping hosts whose {@code known} digest (from a watch) is already the desired one. */
    public List<HostStatus> sync(Compiled desired, long epoch, String revision, Function<String, Optional<Digest>> known) {
        return forEachHost(desired, host -> HostSync.sync(access.client(host),
                new HostSync.Desired(host.name(), () -> desired.slice(host.name()), desired.digest(host.name())), epoch, revision, retry,
                known.apply(host.name())));
    }

    /** What each agent holds now, or why it couldn't be fetched. */
    public record Live(Map<String, AgentState> states, Map<String, String> errors) {
    }

    public Live fetch(Compiled desired) {
        Map<String, AgentState> states = new TreeMap<>();
        Map<String, String> errors = new TreeMap<>();
        List<Object> results = forEachHost(desired, host -> {
            if (!access.trusts(host)) { // new in the change under review: its endpoint is the change's, so it isn't contacted
                return new AgentState(host.name(), 0, "", dev.weft.contract.Digest.ZERO, java.util.Collections.emptyNavigableMap());
            }
            try {
                return access.client(host).state();
            } catch (IOException e) {
                return host.name() + "\0" + e.getMessage();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return host.name() + "\0interrupted";
            }
        });
        for (Object result : results) {
            if (result instanceof AgentState state) {
                states.put(state.host(), state);
            } else {
                String[] error = ((String) result).split("\0", 2);
                errors.put(error[0], error[1]);
            }
        }
        return new Live(states, errors);
    }

    /** The plan from what the agents hold to {@code desired}; unreachable hosts are left out and listed in {@code live.errors()}. */
    public static Plan planLive(Compiled desired, String revision, Live live) {
        List<HostChange> hosts = new ArrayList<>();
        for (String host : desired.hostNames()) {
            AgentState state = live.states().get(host);
            if (state == null) {
                continue;
            }
            HostChange change = Differ.host(host, state.objects(), state.digest(), desired.slice(host), desired.digest(host));
            if (change != null) {
                hosts.add(change);
            }
        }
        return new Plan(Plan.LIVE, revision, List.of(), hosts, desired.hostNames().size());
    }

    private <T> List<T> forEachHost(Compiled desired, Function<Host, T> task) {
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = new ArrayList<>();
            for (Host host : desired.model().hosts().values()) {
                futures.add(executor.submit(() -> task.apply(host)));
            }
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }
}
