package dev.weft.plan;

import dev.weft.contract.HostObject;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** The plan as JSON for tools; the format is documented in docs/PLAN-FORMAT.md. */
public final class JsonRenderer {

    public static final int FORMAT_VERSION = 1;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private JsonRenderer() {
    }

    public static String render(Plan plan) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(tree(plan)) + "\n";
    }

    public static ObjectNode tree(Plan plan) {
        ObjectNode root = JSON.createObjectNode();
        root.put("formatVersion", FORMAT_VERSION);
        root.put("base", plan.base());
        root.put("head", plan.head());
        root.put("changes", plan.hasChanges());
        ObjectNode summary = root.putObject("summary");
        ObjectNode resources = summary.putObject("resources");
        for (Action action : Action.values()) {
            resources.put(action.name(), plan.resourceCount(action));
        }
        ObjectNode hosts = summary.putObject("hosts");
        hosts.put("affected", plan.hosts().size());
        hosts.put("total", plan.totalHosts());
        summary.put("operations", plan.operations());

        ArrayNode resourceList = root.putArray("resources");
        for (ResourceChange r : plan.resources()) {
            ObjectNode node = resourceList.addObject();
            node.put("action", r.action().name());
            node.put("kind", r.id().kind().name());
            if (!r.id().namespace().isEmpty()) {
                node.put("namespace", r.id().namespace());
            }
            node.put("name", r.id().name());
            fields(node, r.fields());
        }
        ArrayNode hostList = root.putArray("hosts");
        for (HostChange h : plan.hosts()) {
            ObjectNode node = hostList.addObject();
            node.put("host", h.host());
            node.put("digestBefore", h.digestBefore().toString());
            node.put("digestAfter", h.digestAfter().toString());
            ArrayNode ops = node.putArray("ops");
            for (ObjectChange o : h.objects()) {
                ObjectNode op = ops.addObject();
                op.put("op", o.op());
                op.put("action", o.action().name());
                op.put("kind", o.id().kind().name());
                op.put("key", o.id().key());
                if (o.after() != null) {
                    op.set("spec", spec(o.after()));
                }
                if (o.action() == Action.change) {
                    fields(op, o.fields());
                }
            }
        }
        return root;
    }

    private static void fields(ObjectNode node, List<FieldChange> fields) {
        ArrayNode list = node.putArray("fields");
        for (FieldChange f : fields) {
            ObjectNode field = list.addObject();
            field.put("field", f.field());
            field.put("before", f.before());
            field.put("after", f.after());
        }
    }

    private static ObjectNode spec(HostObject object) {
        return (ObjectNode) JSON.readTree(object.canonicalSpec());
    }
}
