package dev.courier.accepter.intake;

import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

/** Its own broker, because it stops it. */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = {
            @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:1"),
            // It stops the broker mid-test: only the in-JVM one can be stopped and seen gone.
            @ResourceArg(name = KafkaBrokerResource.BROKER, value = "in-jvm")
        })
class KafkaOutageTest {
    private static final String REQUEST = "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"}}";
    /** courier.accepter.publish-timeout plus slack for a loaded machine. */
    private static final long BOUND_MS = 3_000 + 2_000;

    @InjectKafkaBroker
    EmbeddedKafkaBroker kafka;

    @Test
    void withTheBrokerStoppedARequestOrABatchIs503WithinTheBoundAndNever202() {
        given().contentType("application/json")
                .body(REQUEST)
                .post("/v1/invocations")
                .then()
                .statusCode(202);

        kafka.stop();

        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            Response response =
                    given().contentType("application/json").body(REQUEST).post("/v1/invocations");
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;

            response.then()
                    .statusCode(503)
                    .contentType("application/problem+json")
                    .body("status", equalTo(503))
                    .body("detail", containsString("not accepted"));
            assertThat(elapsedMs).as("answered within the publish timeout").isLessThan(BOUND_MS);
        }

        // A batch: not one of its requests is reported accepted, so the whole call is a 503.
        String batch = "{\"requests\":[" + REQUEST + "," + REQUEST + "," + REQUEST + "]}";
        long start = System.nanoTime();
        Response response = given().contentType("application/json").body(batch).post("/v1/invocations/batch");
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        response.then()
                .statusCode(503)
                .contentType("application/problem+json")
                .body("status", equalTo(503))
                .body("detail", containsString("none was accepted"))
                .body(not(containsString("ACCEPTED")));
        assertThat(elapsedMs).as("answered within the publish timeout").isLessThan(BOUND_MS);
    }
}
