package dev.courier.security;

import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

/**
 * {@code courier.auth.*}: who may call the {@code /v1/} APIs of this service. Bearer JWTs are verified by smallrye-jwt
 * with its own {@code mp.jwt.verify.*} settings (issuer, JWKS location); API keys are configured by the SHA-256 of the
 * key, never the key itself ({@code printf %s "$KEY" | sha256sum}).
 */
@ConfigMapping(prefix = "courier.auth")
public interface AuthConfig {
    /**
     * Whether requests must authenticate. True by default (production); the {@code local}, {@code dev} and
     * {@code test} profiles turn it off, and the service says so in a WARN line at start-up. Off, every request is
     * Courier's service identity in the default tenant: the service is open.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * The tenant of a credential that names none (an API key without {@code tenant}), and of every invocation and
     * status written before tenants existed.
     */
    @WithDefault("default")
    String defaultTenant();

    /**
     * The lower-case hex SHA-256 of Courier's own service key, the one the accepter and the listener present to
     * cache-service ({@code courier.accepter.cache-api-key}, {@code courier.listener.cache-api-key}): a request with it
     * is the service identity. In Kubernetes: {@code COURIER_AUTH_SERVICE_KEY_SHA256} from a secret. The same as an
     * entry of {@link #apiKeys()} with {@code role=service}, in one environment variable.
     */
    Optional<String> serviceKeySha256();

    /** Bearer JWTs. */
    Jwt jwt();

    /** API keys by name (the name is for logs): {@code courier.auth.api-keys."<name>".sha256} and so on. */
    Map<String, ApiKey> apiKeys();

    /** {@code courier.auth.jwt.*}. */
    interface Jwt {
        /**
         * Whether bearer JWTs are accepted. They are verified with smallrye-jwt's {@code mp.jwt.verify.publickey.location}
         * (a JWKS URL, e.g. an OCI IAM identity domain's {@code /admin/v1/SigningCert/jwk}) and
         * {@code mp.jwt.verify.issuer}, both required when this is on; the service refuses to start without them.
         */
        @WithDefault("false")
        boolean enabled();

        /** The claim that names the caller's tenant; a token without it is refused (401). */
        @WithDefault("tenant")
        String tenantClaim();

        /**
         * A value of the token's {@code groups} claim that makes its bearer Courier's service identity (for example the
         * group of the listener's and accepter's workload identity); none: no JWT is the service identity.
         */
        Optional<String> serviceGroup();
    }

    /** One API key. */
    interface ApiKey {
        /** The lower-case hex SHA-256 of the key's UTF-8 bytes (64 characters). */
        String sha256();

        /** The tenant the key calls for; the default tenant when absent. */
        Optional<String> tenant();

        /** {@code tenant} (default) or {@code service}: Courier's own identity, for accepter and listener → cache. */
        @WithDefault("tenant")
        @WithName("role")
        Caller.Kind role();
    }
}
