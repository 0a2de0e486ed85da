package dev.courier.accepter.intake;

import java.net.URI;
import java.util.Map;

import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;

/** Without a key, a request with a sensitive header is refused rather than stored in clear; others are accepted. */
@QuarkusTest
@TestProfile(SensitiveHeadersWithoutKeyTest.NoKey.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class SensitiveHeadersWithoutKeyTest {
    @TestHTTPResource("/v1/invocations")
    URI invocations;

    @Test
    void aSensitiveHeaderIsRefusedAndNamed() {
        given().contentType("application/json")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"},"
                        + "\"headers\":{\"Authorization\":\"Bearer never-stored\"}}")
                .post(invocations)
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("headers.Authorization"))
                .body("errors.message", hasItem(containsString("courier.accepter.header-encryption.keys")))
                .body(org.hamcrest.Matchers.not(containsString("never-stored")));
    }

    @Test
    void aRequestWithoutOneIsAccepted() {
        given().contentType("application/json")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"},"
                        + "\"headers\":{\"X-Tenant\":\"acme\"}}")
                .post(invocations)
                .then()
                .statusCode(202);
    }

    /** The test profile with its development key taken away. */
    public static class NoKey implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.accepter.header-encryption.keys", "");
        }
    }
}
