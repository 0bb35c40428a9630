package dev.weft.allocate;

import dev.weft.manifest.Document;
import dev.weft.manifest.SourceLocation;
import dev.weft.manifest.YamlReader;
import dev.weft.net.Ipv4;
import dev.weft.net.Ipv4Prefix;
import dev.weft.source.ManifestFile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Picks addresses for NetworkInterfaces that have no {@code ipAddress} and writes them into the manifest
 * text in place: a new line after the last field of a block-style {@code spec}, or a new entry before the
 * closing brace of a one-line flow-style one, so comments and layout stay as they are. An address is never
 * the subnet's network, gateway or broadcast address, nor one any interface holds in the files or held at
 * the base revision (so an address a deleted interface just gave up isn't handed out again in the same change).
 */
public final class Allocator {

    /** One address picked: for the interface at {@code location}. */
    public record Allocation(String interfaceId, String subnet, Ipv4Prefix prefix, Ipv4 address, SourceLocation location) {
    }

    /** The outcome: the addresses, the files with them written in, and what couldn't be allocated. */
    public record Result(List<Allocation> allocations, Map<String, String> files, List<String> errors) {
    }

    private record Nic(Document document, String namespace, String name, String network, String subnet, String ip) {
    }

    private Allocator() {
    }

    /**
     * @param files the manifests to allocate in (a working tree)
     * @param base  the manifests of the base revision, whose addresses are held too (empty: none)
     */
    public static Result allocate(List<ManifestFile> files, List<ManifestFile> base) {
        Map<String, Map<String, Ipv4Prefix>> subnets = new HashMap<>(); // namespace/network → subnet → prefix
        List<Nic> nics = new ArrayList<>();
        read(files, subnets, nics);
        Map<String, Map<String, Ipv4Prefix>> baseSubnets = new HashMap<>();
        List<Nic> baseNics = new ArrayList<>();
        read(base, baseSubnets, baseNics);
        Map<String, Set<Integer>> used = new HashMap<>(); // namespace/network → addresses
        for (Nic nic : concat(nics, baseNics)) {
            if (nic.ip() != null && Ipv4.tryParse(nic.ip()) != null) {
                used.computeIfAbsent(nic.namespace() + "/" + nic.network(), k -> new HashSet<>()).add(Ipv4.tryParse(nic.ip()).value());
            }
        }
        List<Allocation> allocations = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        Map<String, TreeMap<Integer, String>> insertions = new HashMap<>(); // file → line (0-based) → text to insert after it
        Map<String, String> replacements = new HashMap<>();
        Map<String, String> contents = new HashMap<>();
        files.forEach(f -> contents.put(f.path(), f.content()));
        for (Nic nic : nics) {
            if (nic.ip() != null) {
                continue;
            }
            String id = nic.namespace() + "/" + nic.name();
            SourceLocation where = nic.document().keyAt("/metadata/name");
            Ipv4Prefix prefix = subnets.getOrDefault(nic.namespace() + "/" + nic.network(), Map.of()).get(nic.subnet());
            if (prefix == null) {
                errors.add(where.file() + ":" + where.line() + ": " + id + ": no subnet " + nic.subnet() + " in virtual network " + nic.network()
                        + " of namespace " + nic.namespace() + " to allocate from");
                continue;
            }
            Set<Integer> taken = used.computeIfAbsent(nic.namespace() + "/" + nic.network(), k -> new HashSet<>());
            int network = prefix.networkAddress().value();
            int broadcast = network | ~prefix.mask();
            int address = 0;
            for (long candidate = (network & 0xffff_ffffL) + 2; candidate < (broadcast & 0xffff_ffffL); candidate++) {
                if (!taken.contains((int) candidate)) {
                    address = (int) candidate;
                    break;
                }
            }
            if (address == 0) {
                errors.add(where.file() + ":" + where.line() + ": " + id + ": subnet " + nic.subnet() + " (" + prefix + ") has no free address");
                continue;
            }
            String placed = place(nic.document(), contents.get(nic.document().file()), new Ipv4(address), insertions, replacements);
            if (placed != null) {
                errors.add(where.file() + ":" + where.line() + ": " + id + ": " + placed);
                continue;
            }
            taken.add(address);
            allocations.add(new Allocation(id, nic.subnet(), prefix, new Ipv4(address), where));
        }
        Map<String, String> written = new TreeMap<>();
        for (String file : insertions.keySet()) {
            String[] lines = (replacements.getOrDefault(file, contents.get(file))).split("\n", -1);
            List<String> out = new ArrayList<>(List.of(lines));
            for (var e : insertions.get(file).descendingMap().entrySet()) {
                out.add(e.getKey() + 1, e.getValue());
            }
            written.put(file, String.join("\n", out));
        }
        for (var e : replacements.entrySet()) {
            written.putIfAbsent(e.getKey(), e.getValue());
        }
        return new Result(allocations, written, errors);
    }

    private static List<Nic> concat(List<Nic> a, List<Nic> b) {
        List<Nic> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static void read(List<ManifestFile> files, Map<String, Map<String, Ipv4Prefix>> subnets, List<Nic> nics) {
        for (ManifestFile file : files) {
            if (file.refused() != null) {
                continue;
            }
            for (Document d : YamlReader.read(file.path(), file.content()).documents()) {
                String namespace = d.text("metadata", "namespace") == null ? "default" : d.text("metadata", "namespace");
                if ("VirtualNetwork".equals(d.kind()) && d.body().path("spec").path("subnets").isArray()) {
                    Map<String, Ipv4Prefix> byName = subnets.computeIfAbsent(namespace + "/" + d.name(), k -> new HashMap<>());
                    d.body().path("spec").path("subnets").forEach(s -> {
                        Ipv4Prefix prefix = Ipv4Prefix.tryParse(s.path("addressPrefix").asString(""));
                        if (prefix != null) {
                            byName.put(s.path("name").asString(""), prefix);
                        }
                    });
                } else if ("NetworkInterface".equals(d.kind())) {
                    nics.add(new Nic(d, namespace, d.name(), d.text("spec", "virtualNetwork"), d.text("spec", "subnet"), d.text("spec", "ipAddress")));
                }
            }
        }
    }

    /** Records where {@code ipAddress: address} goes in the document's text; returns why it can't, or null. */
    private static String place(Document d, String content, Ipv4 address, Map<String, TreeMap<Integer, String>> insertions,
                                Map<String, String> replacements) {
        SourceLocation specKey = d.keyAt("/spec");
        SourceLocation specValue = d.valueAt("/spec");
        if (specKey == null || specValue == null) {
            return "it has no spec to add ipAddress to";
        }
        String[] lines = replacements.getOrDefault(d.file(), content).split("\n", -1);
        if (specValue.line() > specKey.line()) { // block style: after the line of the spec's last field, at its indentation
            int lastLine = -1;
            int column = specValue.column();
            for (var e : d.positions().entrySet()) {
                String pointer = e.getKey();
                if (pointer.startsWith("/spec/") && pointer.indexOf('/', 6) < 0 && e.getValue().key() != null) {
                    lastLine = Math.max(lastLine, e.getValue().value().line());
                }
            }
            if (lastLine < 0) {
                return "its spec is empty";
            }
            TreeMap<Integer, String> fileInsertions = insertions.computeIfAbsent(d.file(), k -> new TreeMap<>());
            fileInsertions.put(lastLine - 1, " ".repeat(column - 1) + "ipAddress: " + address);
            return null;
        }
        String line = lines[specKey.line() - 1];
        int close = line.lastIndexOf('}');
        if (close < 0) {
            return "its spec is a flow mapping over several lines: add ipAddress: " + address + " by hand";
        }
        lines[specKey.line() - 1] = line.substring(0, close).stripTrailing() + ", ipAddress: " + address + line.substring(close);
        replacements.put(d.file(), String.join("\n", lines));
        return null;
    }
}
