package dev.weft.contract;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version, Git commit and build time of this build of Weft (written into {@code build.properties} when it was built),
 * which {@code weft version} prints, agents report in their state and the reconciler exports as {@code weft_build_info}.
 *
 * @param commit the abbreviated commit, with {@code -dirty} when the working tree had changes; {@code unknown} when
 *               built outside a Git checkout
 */
public record BuildInfo(String version, String commit, String built) {

    private static final BuildInfo CURRENT = load();

    /** This process's build. */
    public static BuildInfo current() {
        return CURRENT;
    }

    /** How agents and status name a build: {@code 0.1.0-SNAPSHOT+3f2a1bc}. */
    public String id() {
        return version + "+" + commit;
    }

    private static BuildInfo load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // unknown below
        }
        String commit = known(p.getProperty("commit"));
        if (!"unknown".equals(commit) && "true".equals(p.getProperty("dirty"))) {
            commit += "-dirty";
        }
        return new BuildInfo(known(p.getProperty("version")), commit, known(p.getProperty("built")));
    }

    /** The value, or "unknown" when the build didn't fill it in. */
    private static String known(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? "unknown" : value;
    }
}
