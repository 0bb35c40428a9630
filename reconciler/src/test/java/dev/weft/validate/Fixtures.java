package dev.weft.validate;

import dev.weft.source.DirectorySource;
import dev.weft.source.SourceException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes small manifest repositories for tests, in a layout whose line and column numbers are known. */
public final class Fixtures {

    private final Path root;

    public Fixtures(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Fixtures write(String path, String content) {
        try {
            Path file = root.resolve(path);
            Files.createDirectories(file.getParent());
            Files.writeString(file, content);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Fixtures delete(String path) {
        try {
            Files.delete(root.resolve(path));
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Two hosts and tenant-a's network blue (VNI 5001, 10.1.0.0/16, subnets web 10.1.1.0/24 and db 10.1.2.0/24). */
    public Fixtures base() {
        write("hosts.yaml", host("host-a", "198.18.0.1") + "---\n" + host("host-b", "198.18.0.2"));
        write("net.yaml", network("tenant-a", "blue", 5001, "10.1.0.0/16", "10.1.1.0/24", "10.1.2.0/24"));
        return this;
    }

    public ValidationResult validate() {
        try {
            return new Validator().validate(new DirectorySource(root.toString(), root).read(null));
        } catch (SourceException e) {
            throw new AssertionError(e);
        }
    }

    /** The formatted problems, with paths relative to the repository root. */
    public List<String> problems() {
        return validate().problems().stream().map(p -> p.format()).toList();
    }

    /** Four lines: the underlay address value is at line 4, column 25. */
    public static String host(String name, String underlay) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: Host
                metadata: {name: %s}
                spec: {underlayAddress: %s}
                """.formatted(name, underlay);
    }

    /**
     * Eleven lines plus two per extra subnet: vni at 7:8, addressSpace[0] at 8:18,
     * subnets[0].name at 10:13, subnets[0].addressPrefix at 11:22, subnets[1] at 12:13 and 13:22.
     */
    public static String network(String namespace, String name, int vni, String space, String web, String db) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: VirtualNetwork
                metadata:
                  name: %s
                  namespace: %s
                spec:
                  vni: %d
                  addressSpace: [%s]
                  subnets:
                    - name: web
                      addressPrefix: %s
                    - name: db
                      addressPrefix: %s
                """.formatted(name, namespace, vni, space, web, db);
    }

    /**
     * Nine lines: virtualNetwork at 5:19, subnet at 6:11, host at 7:9, macAddress at 8:15, ipAddress at 9:14.
     */
    public static String nic(String namespace, String name, String network, String subnet, String host, String mac, String ip) {
        return """
                apiVersion: weft.dev/v1alpha1
                kind: NetworkInterface
                metadata: {name: %s, namespace: %s}
                spec:
                  virtualNetwork: %s
                  subnet: %s
                  host: %s
                  macAddress: "%s"
                  ipAddress: %s
                """.formatted(name, namespace, network, subnet, host, mac, ip);
    }

    public static String nic(String name, String subnet, String mac, String ip) {
        return nic("tenant-a", name, "blue", subnet, "host-a", mac, ip);
    }
}
