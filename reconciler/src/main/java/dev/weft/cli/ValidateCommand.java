package dev.weft.cli;

import dev.weft.manifest.Problem;
import dev.weft.model.Model;
import dev.weft.source.ManifestSource;
import dev.weft.source.Snapshot;
import dev.weft.source.SourceException;
import dev.weft.validate.ValidationResult;
import dev.weft.validate.Validator;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Check one revision of the manifests: YAML, JSON Schema and the rules across documents.",
                "Prints every error as file:line:col: error: field: message, sorted by file and line."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:valid", "1:invalid, or the repository or revision can't be read"})
public final class ValidateCommand implements Callable<Integer> {

    enum Output { text, json }

    @Spec
    CommandSpec spec;

    @Mixin
    RepoOptions repo;

    @Option(names = "--rev", paramLabel = "REV", description = "Revision to validate: branch, tag, SHA, main~1 (default: HEAD).")
    String rev;

    @Option(names = "--output", paramLabel = "FORMAT", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    Output output;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ValidationResult result;
        try (ManifestSource source = repo.open()) {
            result = new Validator().validate(source.read(rev));
        } catch (SourceException e) {
            if (output == Output.json) {
                ObjectNode json = JSON.createObjectNode().put("repo", repo.repo).put("valid", false).put("error", e.getMessage());
                out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
            } else {
                spec.commandLine().getErr().println("error: " + e.getMessage());
            }
            return 1;
        }
        if (output == Output.json) {
            out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json(result)));
        } else {
            text(result, out);
        }
        out.flush();
        return result.valid() ? 0 : 1;
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static void text(ValidationResult result, PrintWriter out) {
        Snapshot snapshot = result.snapshot();
        String head = snapshot.repo() + " (" + snapshot.shortRevision() + ")";
        if (!result.valid()) {
            result.problems().forEach(p -> out.println(p.format()));
            int n = result.problems().size();
            out.println();
            out.println(head + ": invalid, " + n + (n == 1 ? " error" : " errors") + " in " + snapshot.files().size() + " files");
            return;
        }
        Model model = result.model().orElseThrow();
        out.println(head + ": valid, " + snapshot.files().size() + " files, " + result.documents() + " documents");
        row(out, "hosts", model.hosts().size(), names(model.hosts().keySet()));
        row(out, "tenants", model.tenants().size(), names(model.tenants()));
        row(out, "virtual networks", model.networks().size(), "");
        row(out, "subnets", model.subnetCount(), "");
        row(out, "network interfaces", model.interfaces().size(), "");
        if (!model.securityGroups().isEmpty()) {
            row(out, "security groups", model.securityGroups().size(), "");
        }
        if (!model.logicalNetworks().isEmpty()) {
            row(out, "logical networks", model.logicalNetworks().size(), names(model.logicalNetworks().keySet()));
        }
        if (!model.publicIps().isEmpty()) {
            row(out, "public IP addresses", model.publicIps().size(), "");
        }
        if (!model.natGateways().isEmpty()) {
            row(out, "NAT gateways", model.natGateways().size(), "");
        }
        if (!model.loadBalancers().isEmpty()) {
            row(out, "load balancers", model.loadBalancers().size(), "");
        }
        if (!model.peerings().isEmpty()) {
            row(out, "peerings", model.peerings().size(), model.peerings().values().stream().filter(p -> !p.connected()).count() + " Initiated");
        }
        if (!model.routeTables().isEmpty()) {
            row(out, "route tables", model.routeTables().size(), model.routeTables().values().stream().mapToInt(t -> t.routes().size()).sum() + " route(s)");
        }
    }

    /** Up to six names, then how many more. */
    private static String names(java.util.Collection<String> names) {
        String shown = String.join(", ", names.stream().limit(6).toList());
        return names.size() > 6 ? shown + ", … (" + (names.size() - 6) + " more)" : shown;
    }

    private static void row(PrintWriter out, String label, int count, String detail) {
        out.printf("  %-20s %5d%s%n", label, count, detail.isEmpty() ? "" : "  " + detail);
    }

    private static ObjectNode json(ValidationResult result) {
        Snapshot snapshot = result.snapshot();
        ObjectNode root = JSON.createObjectNode()
                .put("repo", snapshot.repo())
                .put("revision", snapshot.revision())
                .put("valid", result.valid())
                .put("files", snapshot.files().size())
                .put("documents", result.documents());
        result.model().ifPresent(model -> {
            ObjectNode summary = root.putObject("summary");
            summary.put("hosts", model.hosts().size());
            summary.put("tenants", model.tenants().size());
            summary.put("virtualNetworks", model.networks().size());
            summary.put("subnets", model.subnetCount());
            summary.put("networkInterfaces", model.interfaces().size());
            summary.put("securityGroups", model.securityGroups().size());
            summary.put("logicalNetworks", model.logicalNetworks().size());
            summary.put("publicIPAddresses", model.publicIps().size());
            summary.put("natGateways", model.natGateways().size());
            summary.put("loadBalancers", model.loadBalancers().size());
            summary.put("peerings", model.peerings().size());
            summary.put("routeTables", model.routeTables().size());
        });
        ArrayNode errors = root.putArray("errors");
        for (Problem p : result.problems()) {
            errors.addObject()
                    .put("file", p.location().file())
                    .put("line", p.location().line())
                    .put("column", p.location().column())
                    .put("field", p.field())
                    .put("message", p.message());
        }
        return root;
    }
}
