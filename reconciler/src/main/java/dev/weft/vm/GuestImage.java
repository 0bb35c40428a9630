package dev.weft.vm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The guest that {@code weft up --vms} boots: a kernel and an initramfs built by {@code bin/build-guest-image} from Debian
 * packages, cached (in {@code $WEFT_GUEST_CACHE}, else {@code /var/cache/weft/guest}) and rebuilt only when the script
 * changes.
 */
public record GuestImage(Path kernel, Path initramfs) {

    /** The cached image, built first if it is missing or stale. */
    public static GuestImage ensure() throws IOException {
        Path script = script();
        String cache = System.getenv().getOrDefault("WEFT_GUEST_CACHE", "/var/cache/weft/guest");
        try {
            Process p = new ProcessBuilder(script.toString(), cache).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IOException("building the guest image failed (" + script + "): " + out);
            }
            Path dir = Path.of(out.lines().reduce((a, b) -> b).orElse(cache));
            return new GuestImage(dir.resolve("vmlinuz"), dir.resolve("initramfs.gz"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the guest image", e);
        }
    }

    /** bin/build-guest-image of this checkout: under $WEFT_HOME, else the first parent of the working directory that has it. */
    static Path script() throws IOException {
        String home = System.getenv("WEFT_HOME");
        if (home != null && Files.isExecutable(Path.of(home, "bin", "build-guest-image"))) {
            return Path.of(home, "bin", "build-guest-image");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isExecutable(dir.resolve("bin").resolve("build-guest-image"))) {
                return dir.resolve("bin").resolve("build-guest-image");
            }
        }
        throw new IOException("no bin/build-guest-image: run from the Weft checkout or set WEFT_HOME");
    }
}
