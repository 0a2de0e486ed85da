package dev.courier.oci.storage;

import java.util.HashMap;
import java.util.Map;

import dev.courier.oci.auth.OciAuthConfig;
import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link OciObjectStore} built by {@link ObjectStores} from configuration, with the real SDK client, against
 * {@link FakeOciServer}, which verifies every request's signature with the public half of a key generated here.
 */
class OciObjectStoreTest extends ObjectStoreContract {
    private static final String BUCKET = "courier-test-bucket";

    private final TestApiKey key = TestApiKey.generate();
    private FakeOciServer oci;
    private ObjectStore store;
    /** Requests a test made on purpose with a key the fake does not trust. */
    private int strangerRequests;

    @BeforeEach
    void open() {
        oci = FakeOciServer.start();
        key.trustedBy(oci).createBucket(BUCKET);
        store = open(Map.of());
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
        // Every request signed with the key was accepted: the only rejections are the ones a test asked for.
        assertThat(oci.rejections()).hasSize(strangerRequests);
        oci.close();
    }

    @Override
    ObjectStore store() {
        return store;
    }

    @Test
    void theNamespaceIsLookedUpOnceWhenItIsNotConfigured() {
        store.put("a", bytes("1"), Precondition.NONE);
        store.get("a");
        store.list("", null, 10);
        store.delete("a");

        assertThat(oci.namespaceCalls()).isEqualTo(1);
        assertThat(((OciObjectStore) store).namespace()).isEqualTo(oci.namespace());
    }

    @Test
    void aConfiguredNamespaceIsNotLookedUp() {
        try (ObjectStore configured = open(Map.of("courier.test.object-store.namespace", oci.namespace()))) {
            configured.put("b", bytes("2"), Precondition.NONE);
            assertThat(configured.get("b").orElseThrow().content()).isEqualTo(bytes("2"));
        }
        assertThat(oci.namespaceCalls()).isZero();
    }

    @Test
    void theObjectsAreInTheBucketUnderTheirNames() {
        store.put("bodies/01K", bytes("content"), Precondition.ABSENT);

        assertThat(oci.objects(BUCKET)).containsKey("bodies/01K");
    }

    @Test
    void aMissingBucketIsAnObjectStoreErrorNamingTheBucket() {
        try (ObjectStore elsewhere = open(Map.of("courier.test.object-store.bucket", "no-such-bucket"))) {
            assertThatThrownBy(() -> elsewhere.put("x", bytes("x"), Precondition.NONE))
                    .isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("no-such-bucket")
                    .hasMessageContaining("404");
        }
    }

    @Test
    void aRequestSignedWithAnotherKeyIsRefused() {
        TestApiKey stranger = TestApiKey.generate();
        Map<String, String> signedByStranger = new HashMap<>(identity(stranger));
        try (ObjectStore untrusted = open(signedByStranger)) {
            assertThatThrownBy(() -> untrusted.get("a"))
                    .isInstanceOf(ObjectStoreException.class)
                    .hasMessageContaining("401");
        }
        strangerRequests = 1;
        assertThat(oci.rejections()).singleElement().satisfies(rejection -> assertThat(rejection.reason())
                .contains(stranger.keyId()));
    }

    @Test
    void anOciStoreWithoutABucketOrAnIdentityIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> open(Map.of("courier.test.object-store.bucket", "")))
                .hasMessageContaining("courier.test.object-store.bucket");
        Map<String, String> noIdentity = new HashMap<>(settings(Map.of()));
        noIdentity.keySet().removeIf(name -> name.startsWith("courier.test.oci.auth."));
        assertThatThrownBy(() -> ObjectStores.open(
                        config(noIdentity).objectStore(),
                        config(noIdentity).oci().auth(),
                        "courier.test"))
                .hasMessageContaining("courier.test.oci.auth.type");
    }

    /** A store built from configuration as a service builds it, with {@code overrides} over the test's settings. */
    private ObjectStore open(Map<String, String> overrides) {
        TestConfig config = config(settings(overrides));
        return ObjectStores.open(config.objectStore(), config.oci().auth(), "courier.test");
    }

    private Map<String, String> settings(Map<String, String> overrides) {
        Map<String, String> settings = new HashMap<>(identity(key));
        settings.put("courier.test.object-store.kind", "oci");
        settings.put("courier.test.object-store.bucket", BUCKET);
        settings.put("courier.test.object-store.endpoint", oci.endpoint());
        // ISO-8601: plain SmallRye Config has no "5s" shorthand (Quarkus adds it).
        settings.put("courier.test.object-store.timeout", "PT5S");
        settings.putAll(overrides);
        settings.values().removeIf(String::isEmpty);
        return settings;
    }

    private static Map<String, String> identity(TestApiKey key) {
        return Map.of(
                "courier.test.oci.auth.type", "simple",
                "courier.test.oci.auth.tenancy", key.tenancy(),
                "courier.test.oci.auth.user", key.user(),
                "courier.test.oci.auth.fingerprint", key.fingerprint(),
                "courier.test.oci.auth.region", "us-ashburn-1",
                "courier.test.oci.auth.private-key", key.privateKeyPem());
    }

    private static TestConfig config(Map<String, String> settings) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withMapping(TestConfig.class)
                .withSources(new PropertiesConfigSource(settings, "test", 100))
                .build();
        return config.getConfigMapping(TestConfig.class);
    }

    /** How a service includes the groups: {@code courier.<service>.object-store.*} and {@code .oci.auth.*}. */
    @ConfigMapping(prefix = "courier.test")
    interface TestConfig {
        ObjectStoreConfig objectStore();

        Oci oci();

        interface Oci {
            OciAuthConfig auth();
        }
    }
}
