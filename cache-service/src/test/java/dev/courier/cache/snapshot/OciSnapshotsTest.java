package dev.courier.cache.snapshot;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import jakarta.inject.Inject;

import dev.courier.cache.state.StateDb;
import dev.courier.cache.state.TestState;
import dev.courier.cache.store.CacheStore;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.oci.FakeOciServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache-service with {@code object-store.kind=oci}: its writer snapshots into an Object Storage bucket through the
 * OCI SDK inside the running application, against {@link FakeOciServer}, which verifies every request's signature; a
 * new instance's state loaded from that bucket holds what was written.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.cache.changes:2"))
@WithTestResource(FakeObjectStorageResource.class)
class OciSnapshotsTest {
    FakeOciServer oci;

    /** The application's object store: the bucket, through the OCI adapter. */
    @Inject
    ObjectStore objects;

    @TempDir
    Path states;

    @Test
    void aWrittenValueAppearsInASnapshotInTheBucket() throws Exception {
        given().contentType("text/plain")
                .body("kept in Object Storage")
                .put("/v1/cache/oci-snapshots/greeting")
                .then()
                .statusCode(201);

        // Snapshots are taken every second: load the newest into a new instance's (empty) state until one has it.
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Optional<String> snapshotted = Optional.empty();
        for (int attempt = 0; snapshotted.isEmpty() && System.nanoTime() < deadline; attempt++) {
            StateDb db = TestState.open(states.resolve("attempt-" + attempt));
            try {
                if (new SnapshotStore(objects, "courier.cache.changes", 2).loadNewest(db)) {
                    snapshotted = new CacheStore(db, TestState.config())
                            .get("oci-snapshots", "greeting")
                            .map(entry -> new String(entry.value(), StandardCharsets.UTF_8));
                }
            } catch (IllegalStateException e) {
                // The writer deleted that snapshot while it was read (two newer ones were complete): read again.
            } finally {
                TestState.close(db);
            }
            Thread.sleep(200);
        }

        assertThat(snapshotted).hasValue("kept in Object Storage");
        assertThat(oci.objects(FakeObjectStorageResource.BUCKET).keySet())
                .anyMatch(name ->
                        name.startsWith("snapshots/courier.cache.changes/state/") && name.endsWith("/manifest"));
        assertThat(oci.rejections()).as("requests the fake refused").isEmpty();
    }
}
