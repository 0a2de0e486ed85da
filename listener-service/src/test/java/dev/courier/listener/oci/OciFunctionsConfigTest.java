package dev.courier.listener.oci;

import java.util.HashMap;
import java.util.Map;

import dev.courier.listener.config.ListenerConfig;
import dev.courier.listener.config.TestListenerConfig;
import dev.courier.listener.dispatch.EgressPolicy;
import dev.courier.listener.dispatch.HostResolver;
import dev.courier.oci.auth.OciAuthConfigException;
import dev.courier.testing.oci.TestApiKey;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the listener does at start-up with its {@code courier.listener.oci.*} configuration, read through the real
 * configuration mapping: no OCI without a type, and a type with missing or wrong settings stops it naming them.
 */
class OciFunctionsConfigTest {
    private final TestApiKey key = TestApiKey.generate();
    private final EgressPolicy egress = new EgressPolicy(HostResolver.SYSTEM, false, false);

    @Test
    void withoutAnAuthTypeThereIsNoOciAccessAndNoError() {
        OciFunctions functions = new OciFunctions(config(Map.of()), egress);

        assertThat(functions.enabled()).isFalse();
    }

    @Test
    void anIncompleteSimpleIdentityNamesEveryMissingSetting() {
        ListenerConfig config = config(
                Map.of("courier.listener.oci.auth.type", "simple", "courier.listener.oci.auth.region", "us-ashburn-1"));

        assertThatThrownBy(() -> new OciFunctions(config, egress))
                .isInstanceOfSatisfying(OciAuthConfigException.class, e -> assertThat(e.settings())
                        .containsExactly(
                                "courier.listener.oci.auth.tenancy",
                                "courier.listener.oci.auth.user",
                                "courier.listener.oci.auth.fingerprint",
                                "courier.listener.oci.auth.private-key"));
    }

    @Test
    void aWrongFingerprintIsNamedWithoutShowingTheKey() {
        Map<String, String> properties = simple();
        properties.put(
                "courier.listener.oci.auth.fingerprint", TestApiKey.generate().fingerprint());

        assertThatThrownBy(() -> new OciFunctions(config(properties), egress))
                .hasMessageStartingWith("courier.listener.oci.auth.fingerprint: the fingerprint")
                .hasMessageNotContaining(key.privateKeyPem().split("\n")[3]);
    }

    @Test
    void aMissingConfigFileIsNamed() {
        ListenerConfig config = config(Map.of(
                "courier.listener.oci.auth.type", "config-file",
                "courier.listener.oci.auth.config-file", "/nonexistent/oci/config"));

        assertThatThrownBy(() -> new OciFunctions(config, egress))
                .hasMessageStartingWith("courier.listener.oci.auth.config-file: cannot read the OCI configuration file"
                        + " /nonexistent/oci/config");
    }

    @Test
    void aCompleteSimpleIdentityGivesOciAccess() {
        OciFunctions functions = new OciFunctions(config(simple()), egress);
        try {
            assertThat(functions.enabled()).isTrue();
        } finally {
            functions.close();
        }
    }

    private Map<String, String> simple() {
        Map<String, String> properties = new HashMap<>();
        properties.put("courier.listener.oci.auth.type", "simple");
        properties.put("courier.listener.oci.auth.tenancy", key.tenancy());
        properties.put("courier.listener.oci.auth.user", key.user());
        properties.put("courier.listener.oci.auth.fingerprint", key.fingerprint());
        properties.put("courier.listener.oci.auth.region", "us-ashburn-1");
        properties.put("courier.listener.oci.auth.private-key", key.privateKeyPem());
        return properties;
    }

    private static ListenerConfig config(Map<String, String> properties) {
        return TestListenerConfig.of(properties);
    }
}
