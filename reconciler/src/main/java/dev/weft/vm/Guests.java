package dev.weft.vm;

import dev.weft.model.Model;
import dev.weft.model.NetworkInterface;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One QEMU guest per NetworkInterface whose agent serves it a vhost-user socket: a virtio-net device on that socket
 * (guest memory in a shared memfd, so the agent reads and writes its rings in place), a virtio-serial port for
 * {@code weft vm exec}, the console in a file. Each guest has a directory {@code <dir>/<tenant>/<nic>/} with
 * {@code exec.sock}, {@code console.log} (the previous boot's in {@code console.log.1}) and {@code qemu.log}. Guests run under QEMU's TCG emulation unless told to use
 * KVM: on machines whose /dev/kvm is a nested PVM backend, KVM hangs a stock kernel at boot.
 */
public final class Guests implements AutoCloseable {

    /** Where guests' directories are unless told otherwise: {@code weft vm exec} looks there too. */
    public static final Path DEFAULT_DIR = Path.of("/run/weft/vms");
    /** MiB of memory per guest. */
    static final int MEMORY_MIB = 192;

    /** How guests run: QEMU's TCG emulation or KVM. */
    public enum Accel { tcg, kvm }

    private final Path dir;
    private final GuestImage image;
    private final Accel accel;
    private final Map<String, Process> running = new ConcurrentHashMap<>();

    public Guests(Path dir, GuestImage image, Accel accel) {
        this.dir = dir;
        this.image = image;
        this.accel = accel;
    }

    /** The directory of the guest of {@code tenant/nic} under {@code dir}. */
    public static Path dir(Path dir, String tenant, String nic) {
        return dir.resolve(tenant).resolve(nic);
    }

    /** The exec port of {@code tenant/nic}'s guest. */
    public Path exec(String tenant, String nic) {
        return execSocket(dir, tenant, nic);
    }

    /** The exec port of {@code tenant/nic}'s guest under {@code dir}. */
    public static Path execSocket(Path dir, String tenant, String nic) {
        return dir(dir, tenant, nic).resolve("exec.sock");
    }

    /**
     * What the guest whose directory is {@code guest} said on its console, in order: the text after each
     * {@code "weft-guest: "} ({@code "ready 10.1.1.4/24"} once it has booted and has its address).
     */
    public static java.util.List<String> reports(Path guest) throws IOException {
        Path console = guest.resolve("console.log");
        if (!Files.exists(console)) {
            return java.util.List.of();
        }
        return Files.readString(console).lines().filter(l -> l.contains(REPORT)).map(l -> l.substring(l.indexOf(REPORT) + REPORT.length())).toList();
    }

    private static final String REPORT = "weft-guest: ";

    /**
     * Boots a guest for every NIC of {@code model} whose vhost-user socket ({@code socketOf}) exists and which has none
     * running; stops the guests of NICs the model no longer has. Idempotent: call it after every reconcile loop.
     */
    public synchronized void attach(Model model, Function<NetworkInterface, Optional<Path>> socketOf) throws IOException {
        List<String> wanted = new ArrayList<>();
        for (NetworkInterface nic : model.interfaces().values()) {
            String key = nic.namespace() + "/" + nic.name();
            wanted.add(key);
            Optional<Path> socket = socketOf.apply(nic);
            Process p = running.get(key);
            if ((p == null || !p.isAlive()) && socket.isPresent() && Files.exists(socket.get())) {
                start(nic, socket.get());
            }
        }
        for (String key : List.copyOf(running.keySet())) {
            if (!wanted.contains(key)) {
                stop(key);
            }
        }
    }

    /** Boots {@code nic}'s guest on vhost-user socket {@code socket}. */
    public synchronized void start(NetworkInterface nic, Path socket) throws IOException {
        String key = nic.namespace() + "/" + nic.name();
        Path home = dir(dir, nic.namespace(), nic.name());
        Files.createDirectories(home);
        Files.deleteIfExists(home.resolve("exec.sock"));
        if (Files.exists(home.resolve("console.log"))) { // a guest booted again: its last console, for whoever asks why
            Files.move(home.resolve("console.log"), home.resolve("console.log.1"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        String append = "console=ttyS0 quiet panic=-1 weft.name=" + nic.name() + (nic.enableIPForwarding() ? " weft.forward=1" : "");
        List<String> command = List.of("qemu-system-x86_64", "-name", key, "-machine", "q35,accel=" + accel, "-cpu", accel == Accel.kvm ? "host" : "max",
                "-m", MEMORY_MIB + "M", "-smp", "1", "-nodefaults", "-display", "none", "-no-reboot",
                "-kernel", image.kernel().toString(), "-initrd", image.initramfs().toString(), "-append", append,
                "-object", "memory-backend-memfd,id=mem,size=" + MEMORY_MIB + "M,share=on", "-numa", "node,memdev=mem",
                "-chardev", "socket,id=net0,path=" + socket + ",reconnect=1",
                "-netdev", "vhost-user,id=n0,chardev=net0",
                "-device", "virtio-net-pci,netdev=n0,vectors=0,mac=" + nic.macAddress(), // no MSI-X: QEMU 7.2 under TCG crashes setting up vhost notifiers for MSI-X vectors
                "-device", "virtio-serial-pci",
                "-chardev", "socket,id=exec,path=" + home.resolve("exec.sock") + ",server=on,wait=off",
                "-device", "virtserialport,chardev=exec,name=weft.exec",
                "-serial", "file:" + home.resolve("console.log"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(home.resolve("qemu.log").toFile()).start();
        running.put(key, p);
    }

    /** True once {@code tenant/nic}'s guest has booted and has its address from DHCP. */
    public boolean ready(String tenant, String nic) {
        try {
            return reports(dir(dir, tenant, nic)).stream().anyMatch(r -> r.startsWith("ready 1"));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether {@code tenant/nic} has a guest whose QEMU runs. */
    public boolean running(String tenant, String nic) {
        Process p = running.get(tenant + "/" + nic);
        return p != null && p.isAlive();
    }

    /** Kills {@code tenant/nic}'s QEMU as a crash would (SIGKILL); the next {@link #attach} boots it again. */
    public void kill(String tenant, String nic) throws InterruptedException {
        Process p = running.get(tenant + "/" + nic);
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Runs {@code command} in {@code tenant/nic}'s guest. */
    public GuestExec.Result exec(String tenant, String nic, String command, Duration timeout) throws IOException {
        return GuestExec.run(exec(tenant, nic), command, timeout);
    }

    private void stop(String key) {
        Process p = running.remove(key);
        if (p != null) {
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** How many guests' QEMUs run. */
    public int count() {
        return (int) running.values().stream().filter(Process::isAlive).count();
    }

    @Override
    public void close() {
        List.copyOf(running.keySet()).forEach(this::stop);
    }
}
