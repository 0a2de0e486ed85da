package dev.courier.oci.streaming;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** The check against a real SmallRye Config, as each service builds it, with the {@code oci} profile active. */
class OciStreamingCheckTest {
    private static final String TOKEN = "k9;Xq(2]Lp{7}v:Ws#e<";
    private static final String USER = "acme/jane.doe@example.com/ocid1.streampool.oc1.eu-frankfurt-1.amaaaaaa";
    private static final String BOOTSTRAP = "cell-1.streaming.eu-frankfurt-1.oci.oraclecloud.com:9092";

    @Test
    void completeSettingsPass() {
        assertThatNoException().isThrownBy(() -> OciStreamingCheck.verify(config(settings(BOOTSTRAP, USER, TOKEN))));
    }

    @Test
    void anIdentityDomainInTheUserNameIsAccepted() {
        String user = "acme/OracleIdentityCloudService/jane.doe@example.com/ocid1.streampool.oc1.phx.amaaaaaa";
        assertThatNoException().isThrownBy(() -> OciStreamingCheck.verify(config(settings(BOOTSTRAP, user, TOKEN))));
    }

    @Test
    void everyMissingSettingIsNamedWithItsEnvironmentVariableInOneMessage() {
        ConfigurationException problem = failure(Map.of());

        assertThat(problem.getMessage())
                .contains("courier.oci.streaming.bootstrap-servers is not set (environment variable "
                        + "COURIER_OCI_STREAMING_BOOTSTRAP_SERVERS)")
                .contains("courier.oci.streaming.username is not set (environment variable "
                        + "COURIER_OCI_STREAMING_USERNAME)")
                .contains("courier.oci.streaming.auth-token is not set (environment variable "
                        + "COURIER_OCI_STREAMING_AUTH_TOKEN)")
                .contains("Running on OCI");
        assertThat(problem.getConfigKeys())
                .containsExactly(
                        OciStreamingCheck.BOOTSTRAP_SERVERS, OciStreamingCheck.USERNAME, OciStreamingCheck.AUTH_TOKEN);
    }

    @Test
    void aBlankTokenIsMissing() {
        ConfigurationException problem = failure(settings(BOOTSTRAP, USER, "  "));

        assertThat(problem.getConfigKeys()).containsExactly(OciStreamingCheck.AUTH_TOKEN);
        assertThat(problem.getMessage()).contains("auth-token is not set");
    }

    @Test
    void aUserNameThatIsNotTenancyUserStreamPoolIsRefusedWithoutBeingPrinted() {
        // The token pasted into the user name: the message must describe the shape, not echo the value.
        ConfigurationException problem = failure(settings(BOOTSTRAP, TOKEN, TOKEN));

        assertThat(problem.getConfigKeys()).containsExactly(OciStreamingCheck.USERNAME);
        assertThat(problem.getMessage())
                .contains("<tenancy>/[<identity domain>/]<user name>/<stream pool OCID>")
                .doesNotContain(TOKEN);
    }

    @Test
    void aUserOcidInsteadOfTheStreamPoolOcidIsRefused() {
        ConfigurationException problem = failure(settings(BOOTSTRAP, "acme/jane/ocid1.user.oc1..aaaaaaaa", TOKEN));

        assertThat(problem.getMessage()).contains("the last part starts with ocid1.streampool.");
    }

    @Test
    void aTokenThatJaasCannotQuoteIsRefusedWithoutBeingPrinted() {
        String token = "ab\"cd\\ef";
        ConfigurationException problem = failure(settings(BOOTSTRAP, USER, token));

        assertThat(problem.getConfigKeys()).containsExactly(OciStreamingCheck.AUTH_TOKEN);
        assertThat(problem.getMessage())
                .contains("sasl.jaas.config cannot carry")
                .doesNotContain(token);
    }

    @Test
    void aTrailingLineBreakFromASecretFileIsRefused() {
        ConfigurationException problem = failure(settings(BOOTSTRAP, USER, TOKEN + "\n"));

        assertThat(problem.getConfigKeys()).containsExactly(OciStreamingCheck.AUTH_TOKEN);
        assertThat(problem.getMessage()).contains("white space").doesNotContain(TOKEN);
    }

    @Test
    void aBootstrapServerWithoutPortIsRefused() {
        ConfigurationException problem =
                failure(settings("cell-1.streaming.eu-frankfurt-1.oci.oraclecloud.com", USER, TOKEN));

        assertThat(problem.getConfigKeys()).containsExactly(OciStreamingCheck.BOOTSTRAP_SERVERS);
        assertThat(problem.getMessage()).contains("is not host:port");
    }

    @Test
    void aTokenWithAnUnresolvableExpressionIsNamedButNotQuoted() {
        String token = "x${k9Secret}y";
        ConfigurationException problem = failure(settings(BOOTSTRAP, USER, token));

        assertThat(problem.getConfigKeys()).containsExactly(OciStreamingCheck.AUTH_TOKEN);
        assertThat(problem.getMessage()).contains("cannot be read").doesNotContain("k9Secret");
    }

    @Test
    void outsideTheOciProfileNothingIsRequired() {
        SmallRyeConfig local = new SmallRyeConfigBuilder().build();

        assertThatNoException().isThrownBy(() -> new OciStreamingCheck().check(null, local));
    }

    @Test
    void inTheOciProfileTheStartupObserverRunsTheCheck() {
        SmallRyeConfig oci = config(Map.of());

        assertThat(catchThrowableOfType(ConfigurationException.class, () -> new OciStreamingCheck().check(null, oci)))
                .isNotNull();
    }

    @Test
    void environmentVariableNamesFollowSmallRyeConfig() {
        assertThat(OciStreamingCheck.environmentVariable("courier.oci.streaming.auth-token"))
                .isEqualTo("COURIER_OCI_STREAMING_AUTH_TOKEN");
    }

    private static Map<String, String> settings(String bootstrap, String username, String token) {
        Map<String, String> settings = new HashMap<>();
        settings.put(OciStreamingCheck.BOOTSTRAP_SERVERS, bootstrap);
        settings.put(OciStreamingCheck.USERNAME, username);
        settings.put(OciStreamingCheck.AUTH_TOKEN, token);
        return settings;
    }

    private static SmallRyeConfig config(Map<String, String> settings) {
        return new SmallRyeConfigBuilder()
                .withProfile(OciStreamingCheck.PROFILE)
                .withSources(new PropertiesConfigSource(settings, "test", 300))
                .build();
    }

    private static ConfigurationException failure(Map<String, String> settings) {
        ConfigurationException problem =
                catchThrowableOfType(ConfigurationException.class, () -> OciStreamingCheck.verify(config(settings)));
        assertThat(problem).as("the check refuses these settings").isNotNull();
        return problem;
    }
}
