package dev.courier.cache.snapshot;

import java.time.Duration;

import com.oracle.bmc.objectstorage.ObjectStorageClient;
import dev.courier.oci.SdkClientConfiguration;
import dev.courier.oci.auth.OciAuthProviders;
import dev.courier.oci.auth.OciAuthSettings;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.oci.storage.OciObjectStore;
import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Snapshots through the Object Storage adapter: the real SDK client, signed with a key generated here, against
 * {@link FakeOciServer}, which verifies every signature.
 */
class OciSnapshotStoreTest extends SnapshotStoreContract {
    private static final String BUCKET = "courier-snapshots";

    private final TestApiKey key = TestApiKey.generate();
    private FakeOciServer oci;

    @Override
    ObjectStore openObjects() {
        oci = FakeOciServer.start();
        key.trustedBy(oci).createBucket(BUCKET);
        ObjectStorageClient client = ObjectStorageClient.builder()
                .configuration(SdkClientConfiguration.of(Duration.ofSeconds(5), Duration.ofSeconds(30)))
                .endpoint(oci.endpoint())
                .build(new OciAuthProviders("courier.cache.oci.auth")
                        .create(OciAuthSettings.simple(
                                key.tenancy(), key.user(), key.fingerprint(), "us-ashburn-1", key.privateKeyPem())));
        return new OciObjectStore(client, null, BUCKET);
    }

    @AfterEach
    void stopOci() {
        assertThat(oci.rejections()).as("requests the fake refused").isEmpty();
        oci.close();
    }

    @Test
    void aSnapshotIsAnObjectInTheBucketThatDecodesToWhatWasSaved() {
        snapshots.save(snapshot(1, 77, "in the bucket"));

        FakeOciServer.StoredObject object = oci.objects(BUCKET).get("snapshots/" + TOPIC + "/1/0000000000000000077");
        assertThat(object).isNotNull();
        assertThat(value(Snapshot.decode(object.content()))).isEqualTo("in the bucket");
    }
}
