package dev.courier.security;

import java.util.Map;

import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The settings as Kubernetes gives them, environment variables (deploy/k8s/overlays/oci): the service key's hash and
 * tenants' API keys, whose names are map keys ({@code __} quotes one).
 */
class AuthConfigTest {

    @Test
    void environmentVariablesConfigureTheServiceKeyAndTenantsKeys() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new EnvConfigSource(
                        Map.of(
                                "COURIER_AUTH_SERVICE_KEY_SHA256", "ab".repeat(32),
                                "COURIER_AUTH_API_KEYS__ACME__SHA256", "cd".repeat(32),
                                "COURIER_AUTH_API_KEYS__ACME__TENANT", "acme",
                                "COURIER_AUTH_JWT_ENABLED", "true",
                                "COURIER_AUTH_JWT_TENANT_CLAIM", "tenancy"),
                        300))
                .withMapping(AuthConfig.class)
                .build();

        AuthConfig auth = config.getConfigMapping(AuthConfig.class);

        assertThat(auth.enabled()).isTrue();
        assertThat(auth.serviceKeySha256()).hasValue("ab".repeat(32));
        assertThat(auth.apiKeys()).containsOnlyKeys("acme");
        assertThat(auth.apiKeys().get("acme").sha256()).isEqualTo("cd".repeat(32));
        assertThat(auth.apiKeys().get("acme").tenant()).hasValue("acme");
        assertThat(auth.apiKeys().get("acme").role()).isEqualTo(Caller.Kind.TENANT);
        assertThat(auth.jwt().enabled()).isTrue();
        assertThat(auth.jwt().tenantClaim()).isEqualTo("tenancy");
        assertThat(auth.defaultTenant()).isEqualTo("default");
    }
}
