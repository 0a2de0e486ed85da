package dev.courier.accepter.schedule;

import java.util.List;
import java.util.Map;

import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;

/**
 * {@code /v1/schedules} validation, against the service running on a real broker. cache-service is not running here (its
 * URL names a closed port): every invalid schedule is refused
 * before anything is stored, and a valid one is 503, not created. Creating, reading, listing, firing and deleting with
 * the real cache-service and two accepters: e2e {@code SchedulesIT}.
 */
@QuarkusTest
@TestProfile(ScheduleResourceTest.NoCacheService.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class ScheduleResourceTest {
    private static final String TEMPLATE = "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/tick\"}}";

    @Test
    void anUpdateIsCheckedAsACreateIsAndAnIdNoScheduleMayHaveIsNotFound() {
        problem(
                        given().contentType("application/json")
                                .body("{\"cron\":\"not a cron\",\"request\":" + TEMPLATE + "}")
                                .put("/v1/schedules/01KAB0000000000000000000AA"),
                        422)
                .body("errors.field", hasItem("cron"));
        problem(
                given().contentType("application/json")
                        .body("{\"cron\":\"*/2 * * * * ?\",\"request\":" + TEMPLATE + "}")
                        .put("/v1/schedules/not-a-ulid"),
                404);
        // Valid, for a well-formed id: as far as cache-service, which is not running here.
        problem(
                given().contentType("application/json")
                        .body("{\"cron\":\"*/2 * * * * ?\",\"request\":" + TEMPLATE + "}")
                        .put("/v1/schedules/01KAB0000000000000000000AA"),
                503);
    }

    @Test
    void anInvalidCronExpressionIsRefusedNamingCron() {
        for (String cron : List.of("*/2 * * * *", "not a cron", "61 * * * * ?", "* * * * * * * *")) {
            problem(post("{\"cron\":\"" + cron + "\",\"request\":" + TEMPLATE + "}"), 422)
                    .body("errors.field", hasItem("cron"))
                    .body("errors.field", not(hasItem("timeZone")));
        }
    }

    @Test
    void anUnknownTimeZoneIsRefusedNamingTimeZoneAndABadCronBesideIt() {
        problem(
                        post("{\"cron\":\"*/2 * * * * ?\",\"timeZone\":\"Mars/Olympus_Mons\",\"request\":" + TEMPLATE
                                + "}"),
                        422)
                .body("errors.field", equalTo(List.of("timeZone")))
                .body("errors[0].message", containsString("IANA"));
        problem(post("{\"cron\":\"nope\",\"timeZone\":\"Nowhere/Land\",\"request\":" + TEMPLATE + "}"), 422)
                .body("errors.field", equalTo(List.of("cron", "timeZone")));
    }

    @Test
    void aCronThatNeverFiresAgainIsRefused() {
        problem(post("{\"cron\":\"0 0 0 1 1 ? 2020\",\"request\":" + TEMPLATE + "}"), 422)
                .body("errors.field", equalTo(List.of("cron")))
                .body("errors[0].message", containsString("no fire time"));
    }

    @Test
    void anInvalidRequestTemplateIsRefusedWithTheIntakeErrorsUnderRequest() {
        problem(post("{\"cron\":\"*/2 * * * * ?\",\"request\":{\"target\":{\"type\":\"http\"}}}"), 422)
                .body("errors.field", hasItem("request.target.url"));
        problem(
                        post("{\"cron\":\"*/2 * * * * ?\",\"request\":{\"target\":{\"type\":\"http\",\"url\":\"x\"},"
                                + "\"timeoutSeconds\":\"30\",\"colour\":1}}"),
                        422)
                .body("errors.field", hasItem(containsString("request.")));
        problem(
                        post("{\"cron\":\"*/2 * * * * ?\",\"request\":{\"id\":\"mine\",\"target\":{\"type\":\"http\","
                                + "\"url\":\"https://example.com\"}}}"),
                        422)
                .body("errors.field", equalTo(List.of("request.id")));
        problem(post("{\"cron\":\"*/2 * * * * ?\",\"request\":[1]}"), 422)
                .body("errors.field", equalTo(List.of("request")));
    }

    @Test
    void templateFieldsThatWouldBeTheSameAtEveryFireAreRefused() {
        String tomorrow =
                java.time.Instant.now().plus(java.time.Duration.ofDays(1)).toString();
        Map<String, String> fields = Map.of(
                "idempotencyKey", "\"k\"",
                "deliverAt", "\"" + tomorrow + "\"",
                "expiresAt", "\"" + tomorrow + "\"");
        fields.forEach((field, value) -> problem(
                        post("{\"cron\":\"*/2 * * * * ?\",\"request\":{\"target\":{\"type\":\"http\",\"url\":"
                                + "\"https://example.com\"},\"" + field + "\":" + value + "}}"),
                        422)
                .body("errors.field", equalTo(List.of("request." + field))));
    }

    @Test
    void missingUnknownAndMistypedFieldsAreEachNamed() {
        problem(post("{}"), 422).body("errors.field", hasItems("cron", "request"));
        problem(
                        post("{\"cron\":2,\"timeZone\":true,\"description\":[],\"missedFires\":\"sometimes\","
                                + "\"request\":" + TEMPLATE + ",\"every\":\"2s\"}"),
                        422)
                .body("errors.field", equalTo(List.of("cron", "description", "every", "missedFires", "timeZone")));
        problem(
                        post("{\"cron\":\"*/2 * * * * ?\",\"description\":\"" + "x".repeat(1025) + "\",\"request\":"
                                + TEMPLATE + "}"),
                        422)
                .body("errors.field", equalTo(List.of("description")));
        problem(post("[]"), 422).body("errors.field", equalTo(List.of("body")));
    }

    @Test
    void malformedJsonIs400AndAnotherMediaType415() {
        problem(post("{\"cron\":"), 400);
        problem(given().contentType("text/plain").body("*/2 * * * * ?").post("/v1/schedules"), 415);
    }

    @Test
    void aValidScheduleIsNotCreatedWhenCacheServiceIsUnavailable() {
        problem(
                        post("{\"cron\":\"*/2 * * * * ?\",\"timeZone\":\"Europe/Paris\",\"missedFires\":\"skip\","
                                + "\"description\":\"every two seconds\",\"request\":" + TEMPLATE + "}"),
                        503)
                .body("detail", containsString("cache-service"));
        problem(given().get("/v1/schedules"), 503);
    }

    @Test
    void aScheduleIdThatIsNotAUlidIsUnknown() {
        problem(given().get("/v1/schedules/not-a-ulid"), 404);
        problem(given().delete("/v1/schedules/..%2F..%2Fcourier.status"), 404);
    }

    private static io.restassured.response.Response post(String body) {
        return given().contentType("application/json").body(body).post("/v1/schedules");
    }

    private static ValidatableResponse problem(io.restassured.response.Response response, int status) {
        return response.then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("correlationId", notNullValue());
    }

    /** cache-service's URL names a port nothing listens on. */
    public static class NoCacheService implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.accepter.cache-url", "http://127.0.0.1:1");
        }
    }
}
