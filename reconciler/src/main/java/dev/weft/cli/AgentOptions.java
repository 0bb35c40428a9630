package dev.weft.cli;

import dev.weft.reconcile.AgentAccess;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import picocli.CommandLine.Option;

/** How the reconciler reaches host agents; shared by apply, plan --live, reconcile. */
public final class AgentOptions {

    @Option(names = "--agent", paramLabel = "HOST=URL", description = "Reach HOST's agent at URL instead of its agentEndpoint (repeatable).")
    Map<String, String> endpoints = new LinkedHashMap<>();

    @Option(names = "--agent-token-file", paramLabel = "FILE", description = "Bearer token for the agents, read from FILE.")
    Path tokenFile;

    @Option(names = "--agent-ca", paramLabel = "PEM", description = "CA certificate(s) that agents' TLS certificates chain to.")
    Path ca;

    @Option(names = "--agent-client-cert", paramLabel = "P12", description = "Client certificate and key (PKCS#12) for agents that require mTLS.")
    Path clientCert;

    @Option(names = "--agent-client-cert-password-file", paramLabel = "FILE", description = "A file holding the password of the PKCS#12 file (none: no password); secrets never go on the command line.")
    Path clientCertPasswordFile;

    @Option(names = "--agent-timeout", paramLabel = "DURATION", defaultValue = "5s", description = "Timeout of each agent request (default: ${DEFAULT-VALUE}).")
    String timeout;

    public AgentAccess access() throws IOException, GeneralSecurityException {
        Map<String, URI> overrides = new LinkedHashMap<>();
        endpoints.forEach((host, url) -> overrides.put(host, URI.create(url)));
        Optional<String> token = tokenFile == null ? Optional.empty() : Optional.of(Files.readString(tokenFile).trim());
        return AgentAccess.of(overrides, token, sslContext(), Durations.parse(timeout));
    }

    private Optional<SSLContext> sslContext() throws IOException, GeneralSecurityException {
        if (ca == null && clientCert == null) {
            return Optional.empty();
        }
        TrustManagerFactory trust = null;
        if (ca != null) {
            KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
            trusted.load(null, null);
            try (InputStream in = Files.newInputStream(ca)) {
                int i = 0;
                for (Certificate certificate : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    trusted.setCertificateEntry("ca-" + i++, certificate);
                }
            }
            trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(trusted);
        }
        KeyManagerFactory keys = null;
        if (clientCert != null) {
            char[] password = clientCertPasswordFile == null ? new char[0] : Files.readString(clientCertPasswordFile).strip().toCharArray();
            KeyStore store = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(clientCert)) {
                store.load(in, password);
            }
            keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
        }
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys == null ? null : keys.getKeyManagers(), trust == null ? null : trust.getTrustManagers(), null);
        return Optional.of(context);
    }
}
