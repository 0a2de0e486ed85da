package dev.courier.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The claim check through the Object Storage adapter: both services run with {@code object-store.kind=oci}, a
 * {@code simple} OCI identity whose key was generated here, against {@link FakeOciServer}, which verifies every
 * request's signature with the key's public half.
 */
class LargeBodyOciIT extends LargeBodyScenario {
    private static final String BUCKET = "courier-bodies";

    private FakeOciServer oci;
    private TestApiKey key;
    private Path privateKey;

    @Override
    Map<String, String> objectStore(String service) throws Exception {
        if (oci == null) {
            key = TestApiKey.generate();
            oci = FakeOciServer.start();
            key.trustedBy(oci).createBucket(BUCKET);
            // A file, so that the key never appears on a command line.
            privateKey = Files.createTempFile("courier-test-key", ".pem");
            Files.writeString(privateKey, key.privateKeyPem());
        }
        String prefix = "courier." + service;
        return Map.of(
                prefix + ".object-store.kind", "oci",
                prefix + ".object-store.bucket", BUCKET,
                prefix + ".object-store.endpoint", oci.endpoint(),
                prefix + ".oci.auth.type", "simple",
                prefix + ".oci.auth.tenancy", key.tenancy(),
                prefix + ".oci.auth.user", key.user(),
                prefix + ".oci.auth.fingerprint", key.fingerprint(),
                prefix + ".oci.auth.region", "us-ashburn-1",
                prefix + ".oci.auth.private-key-file", privateKey.toString());
    }

    @Override
    boolean stored(String name) {
        return oci.objects(BUCKET).containsKey(name);
    }

    @Override
    void closeStore() throws Exception {
        if (oci != null) {
            assertThat(oci.rejections()).as("requests the fake refused").isEmpty();
            oci.close();
            Files.deleteIfExists(privateKey);
        }
    }
}
