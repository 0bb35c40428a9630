package dev.weft.cli;

import dev.weft.vm.GuestExec;
import dev.weft.vm.Guests;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The QEMU guests {@code weft up --vms} runs: list them, run a command in one. */
@Command(name = "vm", mixinStandardHelpOptions = true, description = "The QEMU guests of weft up --vms.",
        subcommands = {VmCommand.Exec.class, VmCommand.List.class})
public final class VmCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = {"Runs a command in a guest (with its busybox sh, over the guest's virtio-serial port weft.exec) and",
                    "prints its output; exits with the command's exit status. A guest runs one command at a time: another",
                    "exec waits for it (within its own --timeout), so start a server with its daemon option (iperf3 -s -D)."})
    static final class Exec implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "TENANT/NIC", description = "The guest, by its NetworkInterface, e.g. tenant-a/web-1.")
        String guest;

        @Parameters(index = "1..*", paramLabel = "CMD", arity = "1..*", description = "The command and its arguments (after --).")
        java.util.List<String> command;

        @Option(names = "--vm-dir", paramLabel = "DIR", description = "Where weft up --vms keeps its guests (default: ${DEFAULT-VALUE}).")
        Path vmDir = Guests.DEFAULT_DIR;

        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "60s", description = "How long the command may take, waiting for the guest's command before it included (default: ${DEFAULT-VALUE}).")
        String timeout;

        @Override
        public Integer call() throws Exception {
            PrintWriter err = spec.commandLine().getErr();
            String[] parts = guest.split("/");
            if (parts.length != 2 || parts[0].isBlank() || parts[1].isBlank()) {
                err.println("error: name the guest as TENANT/NIC, e.g. tenant-a/web-1, not " + guest);
                return 1;
            }
            Path socket = Guests.execSocket(vmDir, parts[0], parts[1]);
            if (!Files.exists(socket)) {
                err.println("error: no guest " + guest + " in " + vmDir + " (is weft up --vms running" + (vmDir.equals(Guests.DEFAULT_DIR) ? "" : " with --vm-dir " + vmDir)
                        + "? ./weft vm list shows the guests)");
                return 1;
            }
            GuestExec.Result result = GuestExec.run(socket, String.join(" ", command.stream().map(Exec::quote).toList()), Durations.parse(timeout));
            PrintWriter out = spec.commandLine().getOut();
            out.print(result.output());
            out.flush();
            return result.status();
        }

        /** {@code word} as one word for sh: as is when it is plain, else in single quotes. */
        static String quote(String word) {
            return word.matches("[A-Za-z0-9_./:=@%+,-]+") ? word : "'" + word.replace("'", "'\\''") + "'";
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the guests: each one's address once it has booted.")
    static final class List implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Option(names = "--vm-dir", paramLabel = "DIR", description = "Where weft up --vms keeps its guests (default: ${DEFAULT-VALUE}).")
        Path vmDir = Guests.DEFAULT_DIR;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            if (!Files.isDirectory(vmDir)) {
                spec.commandLine().getErr().println("error: no guests in " + vmDir + " (is weft up --vms running?)");
                return 1;
            }
            out.printf("%-28s %s%n", "GUEST", "STATE");
            try (Stream<Path> tenants = Files.list(vmDir)) {
                for (Path tenant : tenants.sorted().toList()) {
                    try (Stream<Path> nics = Files.list(tenant)) {
                        for (Path nic : nics.sorted().toList()) {
                            out.printf("%-28s %s%n", tenant.getFileName() + "/" + nic.getFileName(),
                                    Guests.reports(nic).stream().reduce((a, b) -> b).orElse("booting"));
                        }
                    }
                }
            }
            return 0;
        }
    }
}
