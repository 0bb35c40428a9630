package dev.weft.cli;

import picocli.CommandLine;

/** Entry point of the {@code weft} command. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs {@code weft args} and returns the exit code; usage errors exit 1 like any other failure. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new WeftCommand());
        commandLine.setParameterExceptionHandler((ex, ignored) -> {
            CommandLine cmd = ex.getCommandLine();
            cmd.getErr().println("error: " + ex.getMessage());
            cmd.usage(cmd.getErr());
            return 1;
        });
        commandLine.setExecutionExceptionHandler((ex, cmd, ignored) -> {
            cmd.getErr().println("error: " + ex);
            ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return commandLine;
    }
}
