package dev.courier.oci.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.oracle.bmc.Region;
import com.oracle.bmc.auth.BasicAuthenticationDetailsProvider;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.oci.TestApiKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OciAuthProvidersTest {
    private static final String PREFIX = "courier.test.oci.auth";
    private final OciAuthProviders providers = new OciAuthProviders(PREFIX);
    private final TestApiKey key = TestApiKey.generate();

    @TempDir
    Path dir;

    @Test
    void simpleWithInlineKey() {
        BasicAuthenticationDetailsProvider provider = providers.create(simpleSettings(key.privateKeyPem()));

        assertThat(provider.getKeyId()).isEqualTo(key.keyId());
        assertThat(providers.region(provider, simpleSettings(key.privateKeyPem())))
                .contains(Region.US_ASHBURN_1);
        assertThat(provider.toString()).doesNotContain(pemBody(key));
    }

    @Test
    void simpleWithKeyAsOneLineWithEscapedLineBreaks() {
        String oneLine = key.privateKeyPem().strip().replace("\n", "\\n");

        assertThat(providers.create(simpleSettings(oneLine)).getKeyId()).isEqualTo(key.keyId());
    }

    @Test
    void simpleWithKeyFile() throws IOException {
        Path keyFile = Files.writeString(dir.resolve("key.pem"), key.privateKeyPem());
        OciAuthSettings settings = simpleSettings(null).withPrivateKeyFile(keyFile);

        assertThat(providers.create(settings).getKeyId()).isEqualTo(key.keyId());
    }

    @Test
    void simpleNamesEveryMissingSetting() {
        OciAuthSettings settings = OciAuthSettings.of(OciAuthType.SIMPLE).withUser(key.user());

        assertThatThrownBy(() -> providers.create(settings))
                .isInstanceOfSatisfying(OciAuthConfigException.class, e -> assertThat(e.settings())
                        .containsExactly(
                                PREFIX + ".tenancy",
                                PREFIX + ".fingerprint",
                                PREFIX + ".region",
                                PREFIX + ".private-key"))
                .hasMessageContaining(PREFIX + ".tenancy")
                .hasMessageContaining(PREFIX + ".private-key-file")
                .hasMessageNotContaining(PREFIX + ".user");
    }

    @Test
    void simpleRefusesTwoKeys() throws IOException {
        Path keyFile = Files.writeString(dir.resolve("key.pem"), key.privateKeyPem());

        assertThatThrownBy(() ->
                        providers.create(simpleSettings(key.privateKeyPem()).withPrivateKeyFile(keyFile)))
                .hasMessageStartingWith(PREFIX + ".private-key: set either it or " + PREFIX + ".private-key-file")
                .hasMessageNotContaining(pemBody(key));
    }

    @Test
    void simpleRefusesAFingerprintThatIsNotTheKeys() {
        String other = TestApiKey.generate().fingerprint();

        assertThatThrownBy(() ->
                        providers.create(simpleSettings(key.privateKeyPem()).withFingerprint(other)))
                .isInstanceOfSatisfying(OciAuthConfigException.class, e -> assertThat(e.settings())
                        .containsExactly(PREFIX + ".fingerprint"))
                .hasMessageContaining(other)
                .hasMessageContaining(key.fingerprint())
                .hasMessageNotContaining(pemBody(key));
    }

    @Test
    void simpleRefusesAnUnreadableKeyWithoutQuotingIt() {
        String broken = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n";

        assertThatThrownBy(() -> providers.create(simpleSettings(broken)))
                .isInstanceOfSatisfying(OciAuthConfigException.class, e -> {
                    assertThat(e.settings()).containsExactly(PREFIX + ".private-key");
                    assertThat(e.getCause()).isNull();
                })
                .hasMessageContaining("not a readable PEM private key")
                .hasMessageNotContaining("c2VjcmV0LWtleS1tYXRlcmlhbA");
    }

    @Test
    void simpleRefusesAnUnreadableKeyFile() {
        Path missing = dir.resolve("missing.pem");

        assertThatThrownBy(() -> providers.create(simpleSettings(null).withPrivateKeyFile(missing)))
                .hasMessageStartingWith(PREFIX + ".private-key-file: cannot read " + missing);
    }

    @Test
    void simpleRefusesOcidsOfTheWrongKind() {
        assertThatThrownBy(() ->
                        providers.create(simpleSettings(key.privateKeyPem()).withTenancy(key.user())))
                .hasMessageStartingWith(PREFIX + ".tenancy: '" + key.user() + "' is not a tenancy OCID");
    }

    @Test
    void simpleRefusesAnUnknownRegion() {
        assertThatThrownBy(() ->
                        providers.create(simpleSettings(key.privateKeyPem()).withRegion("mars-north-1")))
                .hasMessageStartingWith(PREFIX + ".region: unknown region 'mars-north-1'");
    }

    @Test
    void configFileWithProfileAndKeyFile() throws IOException {
        Path keyFile = Files.writeString(dir.resolve("key.pem"), key.privateKeyPem());
        Path config = Files.writeString(
                dir.resolve("config"),
                """
                [DEFAULT]
                user=ocid1.user.oc1..someoneelse
                tenancy=ocid1.tenancy.oc1..elsewhere
                fingerprint=00:00
                key_file=/nowhere/key.pem
                region=eu-frankfurt-1

                [COURIER]
                user=%s
                tenancy=%s
                fingerprint=%s
                key_file=%s
                region=us-phoenix-1
                """
                        .formatted(key.user(), key.tenancy(), key.fingerprint(), keyFile));
        OciAuthSettings settings = OciAuthSettings.configFile(config, "COURIER");

        BasicAuthenticationDetailsProvider provider = providers.create(settings);

        assertThat(provider.getKeyId()).isEqualTo(key.keyId());
        assertThat(providers.region(provider, settings)).contains(Region.US_PHOENIX_1);
        assertThat(providers.region(provider, settings.withRegion("iad"))).contains(Region.US_ASHBURN_1);
    }

    @Test
    void configFileThatDoesNotExist() {
        Path missing = dir.resolve("no-config");

        assertThatThrownBy(() -> providers.create(OciAuthSettings.configFile(missing, null)))
                .isInstanceOfSatisfying(OciAuthConfigException.class, e -> assertThat(e.settings())
                        .containsExactly(PREFIX + ".config-file"))
                .hasMessageContaining("cannot read the OCI configuration file " + missing);
    }

    @Test
    void configFileWithoutTheProfile() throws IOException {
        Path config = Files.writeString(dir.resolve("config"), "[DEFAULT]\nuser=ocid1.user.oc1..x\n");

        assertThatThrownBy(() -> providers.create(OciAuthSettings.configFile(config, "PROD")))
                .hasMessageStartingWith(PREFIX + ".profile: No profile named PROD");
    }

    @Test
    void configFileProfileWithoutFingerprint() throws IOException {
        Path config = Files.writeString(dir.resolve("config"), "[DEFAULT]\nuser=ocid1.user.oc1..x\n");

        assertThatThrownBy(() -> providers.create(OciAuthSettings.configFile(config, null)))
                .hasMessageStartingWith(PREFIX + ".config-file: profile DEFAULT of " + config)
                .hasMessageContaining("fingerprint");
    }

    @Test
    void configFileWhoseKeyFileIsMissing() throws IOException {
        Path config = Files.writeString(
                dir.resolve("config"),
                """
                [DEFAULT]
                user=%s
                tenancy=%s
                fingerprint=%s
                key_file=%s
                region=us-ashburn-1
                """
                        .formatted(key.user(), key.tenancy(), key.fingerprint(), dir.resolve("gone.pem")));

        assertThatThrownBy(() -> providers.create(OciAuthSettings.configFile(config, null)))
                .hasMessageStartingWith(
                        PREFIX + ".config-file: profile DEFAULT of " + config + ": cannot read its" + " key_file");
    }

    @Test
    void configFileWhoseFingerprintIsNotTheKeys() throws IOException {
        Path keyFile = Files.writeString(dir.resolve("key.pem"), key.privateKeyPem());
        String other = TestApiKey.generate().fingerprint();
        Path config = Files.writeString(
                dir.resolve("config"),
                """
                [DEFAULT]
                user=%s
                tenancy=%s
                fingerprint=%s
                key_file=%s
                """
                        .formatted(key.user(), key.tenancy(), other, keyFile));

        assertThatThrownBy(() -> providers.create(OciAuthSettings.configFile(config, null)))
                .hasMessageContaining("the fingerprint " + other + " is not the private key's")
                .hasMessageNotContaining(pemBody(key));
    }

    // Principals exist only on OCI. Off OCI all that can be shown is that they fail clearly.

    @Test
    void resourcePrincipalOffOciFailsClearly() {
        assertThat(System.getenv("OCI_RESOURCE_PRINCIPAL_VERSION")).isNull();

        assertThatThrownBy(() -> providers.create(OciAuthSettings.of(OciAuthType.RESOURCE_PRINCIPAL)))
                .isInstanceOfSatisfying(OciAuthConfigException.class, e -> assertThat(e.settings())
                        .containsExactly(PREFIX + ".type"))
                .hasMessageContaining("resource-principal")
                .hasMessageContaining("OCI_RESOURCE_PRINCIPAL_VERSION");
    }

    @Test
    void workloadIdentityOffOkeFailsClearly() {
        assertThatThrownBy(() -> providers.create(OciAuthSettings.of(OciAuthType.WORKLOAD_IDENTITY)))
                .isInstanceOfSatisfying(OciAuthConfigException.class, e -> assertThat(e.settings())
                        .containsExactly(PREFIX + ".type"))
                .hasMessageStartingWith(
                        "OCI auth type workload-identity: this is not a pod with OKE workload" + " identity");
    }

    @Test
    void instancePrincipalWithoutAMetadataServiceFailsClearly() {
        // A stand-in metadata service that knows nothing (404, no body): what an instance principal meets off OCI,
        // without waiting for 169.254.169.254 to time out.
        try (RecordingHttpServer metadata = RecordingHttpServer.start()) {
            metadata.respondWith(request -> new Reply(404, null, new byte[0], Map.of(), Duration.ZERO));
            OciAuthSettings settings = OciAuthSettings.of(OciAuthType.INSTANCE_PRINCIPAL)
                    .withMetadataBaseUrl(metadata.url("/opc/v2/"))
                    .withMetadataRetries(0);

            assertThatThrownBy(() -> providers.create(settings))
                    .isInstanceOfSatisfying(OciAuthConfigException.class, e -> assertThat(e.settings())
                            .containsExactly(PREFIX + ".type"))
                    .hasMessageStartingWith("OCI auth type instance-principal: could not get this instance's"
                            + " identity from the instance metadata service");
            assertThat(metadata.await(request -> request.path().startsWith("/opc/v2/"), 1, Duration.ofSeconds(5)))
                    .isNotEmpty();
        }
    }

    @Test
    void aPrincipalWithAnUnknownRegionOverrideIsRefusedBeforeTryingIt() {
        assertThatThrownBy(() -> providers.create(
                        OciAuthSettings.of(OciAuthType.RESOURCE_PRINCIPAL).withRegion("nowhere")))
                .hasMessageStartingWith(PREFIX + ".region: unknown region 'nowhere'");
    }

    @Test
    void settingsNeverShowTheKeyOrPassphrase() {
        OciAuthSettings settings = simpleSettings(key.privateKeyPem()).withPassphrase("hunter2");

        assertThat(settings.toString())
                .contains("privateKey=<redacted>", "passphrase=<redacted>", key.tenancy())
                .doesNotContain(pemBody(key), "hunter2");
    }

    private OciAuthSettings simpleSettings(String pem) {
        return OciAuthSettings.simple(key.tenancy(), key.user(), key.fingerprint(), "us-ashburn-1", pem);
    }

    /** A line from the middle of the key's PEM: if it shows up, key material leaked. */
    private static String pemBody(TestApiKey key) {
        return key.privateKeyPem().split("\n")[5];
    }
}
