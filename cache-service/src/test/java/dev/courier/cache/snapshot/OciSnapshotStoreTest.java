package dev.courier.cache.snapshot;

import java.nio.charset.StandardCharsets;
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
    void aSnapshotIsObjectsInTheBucketPartsAndManifest() {
        state("writer").put("key", "in the bucket").at(70, 7).saveTo(snapshots);

        FakeOciServer.StoredObject part = oci.objects(BUCKET).get(directory(77) + "part-000000");
        assertThat(part).isNotNull();
        // Values are stored as they are: the part holds the value's bytes.
        assertThat(new String(part.content(), StandardCharsets.ISO_8859_1)).contains("in the bucket");
        assertThat(oci.objects(BUCKET)).containsKey(directory(77) + "manifest");
    }
}
