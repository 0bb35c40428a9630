package dev.weft.cli;

import dev.weft.contract.BuildInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** Prints this build of Weft: version, Git commit, build time. */
@Command(name = "version", mixinStandardHelpOptions = true, description = "Prints the version, Git commit and build time of this weft.")
public final class VersionCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** The line weft version and weft --version print. */
    static String line() {
        BuildInfo b = BuildInfo.current();
        return "weft " + b.version() + " (commit " + b.commit() + ", built " + b.built() + ")";
    }

    @Override
    public void run() {
        spec.commandLine().getOut().println(line());
    }

    /** For weft --version. */
    public static final class Provider implements picocli.CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {line()};
        }
    }
}
