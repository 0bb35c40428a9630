package dev.weft.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the reconciler keeps its epoch: {@code --state-dir}, default $XDG_STATE_HOME/weft or ~/.local/state/weft. */
public final class StateDirOption {

    @Option(names = "--state-dir", paramLabel = "DIR", description = "Reconciler state (the epoch); default ~/.local/state/weft.")
    Path stateDir;

    public Path dir() {
        if (stateDir != null) {
            return stateDir;
        }
        String xdg = System.getenv("XDG_STATE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".local", "state")).resolve("weft");
    }
}
