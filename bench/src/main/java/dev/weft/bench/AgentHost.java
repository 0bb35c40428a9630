package dev.weft.bench;

import dev.weft.agent.Agent;
import dev.weft.agent.AgentConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs N agents in one process, for benchmarks that measure the reconciler's CPU apart from the agents'.
 * Prints "host url" per agent, then "ready"; exits when its standard input closes.
 *
 * usage: AgentHost count stateDir
 */
public final class AgentHost {

    private AgentHost() {
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        Path dir = Path.of(args[1]);
        List<Agent> agents = new ArrayList<>();
        for (int h = 0; h < count; h++) {
            String name = "host-%03d".formatted(h);
            Agent agent = Agent.start(AgentConfig.loopback(name, 0, dir.resolve(name)));
            agents.add(agent);
            System.out.println(name + " " + agent.url());
        }
        System.out.println("ready");
        System.out.flush();
        while (System.in.read() >= 0) {
            // wait for the parent to close our input
        }
        for (Agent agent : agents) {
            agent.close();
        }
    }
}
