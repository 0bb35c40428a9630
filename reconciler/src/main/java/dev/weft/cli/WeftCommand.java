package dev.weft.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "weft",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "GitOps software-defined networking: tenant virtual networks over VXLAN, programmed from manifests in Git.",
        subcommands = {ValidateCommand.class, PlanCommand.class, TraceCommand.class, AllocateCommand.class, ApplyCommand.class, ReconcileCommand.class, StatusCommand.class,
                AgentCommand.class, UpCommand.class, VmCommand.class, VersionCommand.class, CompletionCommand.class})
public final class WeftCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
