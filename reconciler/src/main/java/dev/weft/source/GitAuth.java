package dev.weft.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.eclipse.jgit.api.TransportCommand;
import org.eclipse.jgit.transport.SshTransport;
import org.eclipse.jgit.transport.UsernamePasswordCredentialsProvider;
import org.eclipse.jgit.transport.sshd.SshdSessionFactory;
import org.eclipse.jgit.transport.sshd.SshdSessionFactoryBuilder;

/**
 * How to reach a private manifest repository. HTTPS: a token read from a file, sent as the password of
 * {@code username} (GitHub and GitLab take a token so). SSH: a private key file and a known_hosts file, through JGit's
 * Apache MINA SSH transport; the server's host key must be in known_hosts (strict checking: an unknown or changed host
 * key refuses the connection), and only that key is offered. Nothing is read from the user's ~/.ssh. Secrets come from
 * files, never from the command line.
 */
public record GitAuth(Optional<Path> tokenFile, String username, Optional<Path> sshKey, Optional<Path> knownHosts) {

    /** The user name a token goes with unless told otherwise (GitHub's for tokens). */
    public static final String TOKEN_USER = "x-access-token";
    public static final GitAuth NONE = new GitAuth(Optional.empty(), TOKEN_USER, Optional.empty(), Optional.empty());

    public GitAuth {
        if (sshKey.isPresent() != knownHosts.isPresent()) {
            throw new IllegalArgumentException("an SSH key needs a known_hosts file to check the server against (--git-known-hosts), and the other way round");
        }
    }

    /** Applies these credentials to a clone or fetch. */
    <C extends TransportCommand<C, ?>> C apply(C command) throws SourceException {
        if (tokenFile.isPresent()) {
            String token;
            try {
                token = Files.readString(tokenFile.get()).trim();
            } catch (IOException e) {
                throw new SourceException("cannot read the Git token file " + tokenFile.get() + ": " + e.getMessage(), e);
            }
            command.setCredentialsProvider(new UsernamePasswordCredentialsProvider(username, token));
        }
        if (sshKey.isPresent()) {
            SshdSessionFactory ssh = sessions();
            command.setTransportConfigCallback(transport -> {
                if (transport instanceof SshTransport s) {
                    s.setSshSessionFactory(ssh);
                }
            });
        }
        return command;
    }

    private static final java.util.Map<GitAuth, SshdSessionFactory> SESSIONS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * One session factory per set of credentials: its own SSH directory (a private temporary one, so nothing of the
     * user's ~/.ssh is read) whose config allows only the given key and insists on known_hosts.
     */
    private SshdSessionFactory sessions() throws SourceException {
        try {
            return SESSIONS.computeIfAbsent(this, auth -> {
                try {
                    Path dir = Files.createTempDirectory("weft-ssh-");
                    Path key = sshKey.orElseThrow().toAbsolutePath();
                    Path known = knownHosts.orElseThrow().toAbsolutePath();
                    Path config = Files.writeString(dir.resolve("config"), """
                            Host *
                              StrictHostKeyChecking yes
                              UserKnownHostsFile "%s"
                              IdentityFile "%s"
                              IdentitiesOnly yes
                              PasswordAuthentication no
                              KbdInteractiveAuthentication no
                            """.formatted(known, key));
                    dir.toFile().deleteOnExit();
                    config.toFile().deleteOnExit();
                    return new SshdSessionFactoryBuilder().setHomeDirectory(dir.toFile()).setSshDirectory(dir.toFile())
                            .setConfigFile(ssh -> config.toFile()).setDefaultKnownHostsFiles(ssh -> List.of(known))
                            .setDefaultIdentities(ssh -> List.of(key)).setPreferredAuthentications("publickey").build(null);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        } catch (java.io.UncheckedIOException e) {
            throw new SourceException("cannot set up SSH for Git: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
