package dev.courier.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import io.quarkus.runtime.StartupEvent;
import org.eclipse.microprofile.config.Config;
import org.jboss.logging.Logger;

/**
 * Says at start-up how this service authenticates, and stops it when that cannot work: authentication off is a WARN
 * line (the service is open to anyone who reaches it); JWTs on without a key location or issuer, or an API key whose
 * hash is not one, is a failed start rather than a service that refuses everyone or, worse, checks nothing.
 */
@ApplicationScoped
public class AuthStartupCheck {
    private static final Logger LOG = Logger.getLogger(AuthStartupCheck.class);

    void check(@Observes StartupEvent started, AuthConfig config, AccessGate gate, Config mp) {
        if (!config.enabled()) {
            LOG.warn("authentication is OFF (courier.auth.enabled=false): every caller of /v1/ is treated as Courier's"
                    + " own service in tenant '" + config.defaultTenant() + "'; never run it like this where others"
                    + " can reach it");
            return;
        }
        if (config.jwt().enabled()) {
            boolean key = mp.getOptionalValue("mp.jwt.verify.publickey.location", String.class)
                            .isPresent()
                    || mp.getOptionalValue("mp.jwt.verify.publickey", String.class)
                            .isPresent();
            if (!key
                    || mp.getOptionalValue("mp.jwt.verify.issuer", String.class).isEmpty()) {
                throw new IllegalStateException("courier.auth.jwt.enabled=true needs mp.jwt.verify.publickey.location"
                        + " (a JWKS URL or key file) and mp.jwt.verify.issuer");
            }
        }
        LOG.infof(
                "authentication is on: %d API key(s)%s%s",
                config.apiKeys().size(),
                config.serviceKeySha256().isPresent() ? ", the service key" : "",
                config.jwt().enabled()
                        ? ", bearer JWTs from issuer "
                                + mp.getValue("mp.jwt.verify.issuer", String.class)
                                + " (tenant claim '" + config.jwt().tenantClaim() + "')"
                        : ", no bearer JWTs");
    }
}
