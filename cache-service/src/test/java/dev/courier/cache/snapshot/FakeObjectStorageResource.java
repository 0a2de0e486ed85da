package dev.courier.cache.snapshot;

import java.util.Map;

import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts a {@link FakeOciServer} with a bucket, trusting a key generated here, and points the cache's object store at
 * it: {@code kind=oci}, authenticated as a {@code simple} identity with that key. A test reaches the fake through a
 * {@link FakeOciServer} field.
 */
public class FakeObjectStorageResource implements QuarkusTestResourceLifecycleManager {
    static final String BUCKET = "courier-cache";

    private FakeOciServer oci;

    @Override
    public Map<String, String> start() {
        TestApiKey key = TestApiKey.generate();
        oci = FakeOciServer.start();
        key.trustedBy(oci).createBucket(BUCKET);
        return Map.of(
                "courier.cache.object-store.kind",
                "oci",
                "courier.cache.object-store.bucket",
                BUCKET,
                "courier.cache.object-store.endpoint",
                oci.endpoint(),
                "courier.cache.oci.auth.type",
                "simple",
                "courier.cache.oci.auth.tenancy",
                key.tenancy(),
                "courier.cache.oci.auth.user",
                key.user(),
                "courier.cache.oci.auth.fingerprint",
                key.fingerprint(),
                "courier.cache.oci.auth.region",
                "us-ashburn-1",
                "courier.cache.oci.auth.private-key",
                key.privateKeyPem(),
                "courier.cache.snapshots.interval",
                "1s");
    }

    @Override
    public void inject(TestInjector testInjector) {
        testInjector.injectIntoFields(oci, new TestInjector.MatchesType(FakeOciServer.class));
    }

    @Override
    public void stop() {
        if (oci != null) {
            oci.close();
        }
    }
}
