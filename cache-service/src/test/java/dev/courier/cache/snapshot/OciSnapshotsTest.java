package dev.courier.cache.snapshot;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.oci.FakeOciServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cache-service with {@code object-store.kind=oci}: its writer snapshots into an Object Storage bucket through the
 * OCI SDK inside the running application, against {@link FakeOciServer}, which verifies every request's signature.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.cache.changes:2"))
@WithTestResource(FakeObjectStorageResource.class)
class OciSnapshotsTest {
    FakeOciServer oci;

    @Test
    void aWrittenValueAppearsInASnapshotObjectInTheBucket() throws Exception {
        given().contentType("text/plain")
                .body("kept in Object Storage")
                .put("/v1/cache/oci-snapshots/greeting")
                .then()
                .statusCode(201);

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Optional<String> snapshotted = Optional.empty();
        while (snapshotted.isEmpty() && System.nanoTime() < deadline) {
            snapshotted = oci.objects(FakeObjectStorageResource.BUCKET).entrySet().stream()
                    .filter(object -> object.getKey().startsWith("snapshots/courier.cache.changes/"))
                    .map(object -> Snapshot.decode(object.getValue().content()).entries())
                    .map(entries ->
                            entries.getOrDefault("oci-snapshots", Map.of()).get("greeting"))
                    .filter(entry -> entry != null)
                    .map(entry -> new String(entry.value(), StandardCharsets.UTF_8))
                    .findFirst();
            Thread.sleep(100);
        }

        assertThat(snapshotted).hasValue("kept in Object Storage");
        assertThat(oci.rejections()).as("requests the fake refused").isEmpty();
    }
}
