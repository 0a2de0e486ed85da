package dev.courier.accepter.intake;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

/**
 * {@code POST /v1/invocations/batch} against a real broker. cache-service is not running (its URL names a closed
 * port), so a request with an idempotency key finds the keys unavailable; the keys themselves are proven with the real
 * cache-service in e2e {@code InvocationStatusIT}.
 */
@QuarkusTest
@TestProfile(InvocationBatchResourceTest.NoCacheService.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class InvocationBatchResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @TestHTTPResource("/v1/invocations/batch")
    URI batch;

    KafkaTestClient client;

    @BeforeEach
    void connect() {
        client = new KafkaTestClient(kafka.bootstrapServers());
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @Test
    void everyRequestOfABatchIsAcceptedInOrderAndOnTheTopicAsSentPlusItsId() throws Exception {
        List<String> items = List.of(
                """
                {"target":{"type":"http","url":"https://example.com/orders","method":"PUT"},
                 "headers":{"X-Tenant":"acme"},"query":{"page":["1"]},"body":{"order":1},"correlationId":"conv-1"}
                """,
                """
                {"target":{"type":"http","url":"https://example.com/orders"},"orderingKey":"cust-7",
                 "bodyBase64":"aGVsbG8=","contentType":"application/octet-stream","timeoutSeconds":10}
                """,
                """
                {"target":{"type":"function","functionId":"ocid1.fnfunc.oc1..aaaa"},"retry":{"maxAttempts":2}}
                """);

        ValidatableResponse response = given().contentType("application/json")
                .body(batchOf(items))
                .post(batch)
                .then()
                .statusCode(202)
                .contentType("application/json")
                .body("accepted", equalTo(3))
                .body("failed", equalTo(0));
        JsonNode answer = JSON.readTree(response.extract().asString());

        for (int i = 0; i < items.size(); i++) {
            JsonNode result = answer.get("results").get(i);
            assertThat(result.get("index").asInt()).isEqualTo(i);
            assertThat(result.get("status").asText()).isEqualTo("ACCEPTED");
            String id = result.get("id").asText();
            assertThat(id).matches("[0-9A-Z]{26}");
            assertThat(result.get("statusUrl").asText()).isEqualTo("/v1/invocations/" + id);
            assertThat(result.has("problem")).isFalse();

            ConsumerRecord<String, byte[]> record = client.awaitOne(
                    "courier.requests", r -> KafkaTestClient.text(r).contains(id), WAIT);
            ObjectNode expected = (ObjectNode) JSON.readTree(items.get(i));
            expected.put("id", id);
            assertThat(JSON.readTree(record.value())).isEqualTo(expected);
            assertThat(record.key()).isEqualTo(i == 1 ? "cust-7" : id);
        }
        assertThat(answer.get("results").get(0).get("id").asText())
                .as("ids in the order of the requests (ULIDs ascend)")
                .isLessThan(answer.get("results").get(2).get("id").asText());
    }

    @Test
    void anInvalidRequestIsRefusedAloneWithTheProblemTheSingleEndpointGivesAndTheOthersAreAccepted() throws Exception {
        List<String> items = List.of(
                request("mixed-0"),
                "{\"target\":{\"type\":\"http\"},\"correlationId\":\"mixed-1\"}",
                request("mixed-2"),
                "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"},\"id\":\"mine\"}",
                "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"},\"timeoutSeconds\":\"thirty\"}");

        JsonNode answer = JSON.readTree(given().contentType("application/json")
                .body(batchOf(items))
                .post(batch)
                .then()
                .statusCode(202)
                .body("accepted", equalTo(2))
                .body("failed", equalTo(3))
                .extract()
                .asString());
        JsonNode results = answer.get("results");
        assertThat(results).hasSize(5);

        assertRefused(results.get(1), 1, "target.url", "needs a url or a route");
        assertRefused(results.get(3), 3, "id", "assigned by Courier");
        assertRefused(results.get(4), 4, "timeoutSeconds", "must be an integer");
        for (int i : new int[] {0, 2}) {
            String id = results.get(i).get("id").asText();
            assertThat(results.get(i).get("index").asInt()).isEqualTo(i);
            JsonNode stored = JSON.readTree(client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT)
                    .value());
            assertThat(stored.get("correlationId").asText()).isEqualTo("mixed-" + i);
        }
        assertNothingStoredFor("mixed-1");
    }

    @Test
    void eachRequestWithoutACorrelationIdGetsTheCallersOpcRequestId() throws Exception {
        JsonNode answer = JSON.readTree(given().contentType("application/json")
                .header("opc-request-id", "opc-batch-1")
                .body(batchOf(List.of(
                        "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"}}",
                        request("own-correlation"))))
                .post(batch)
                .then()
                .statusCode(202)
                .extract()
                .asString());

        List<String> correlationIds = new ArrayList<>();
        for (JsonNode result : answer.get("results")) {
            String id = result.get("id").asText();
            correlationIds.add(JSON.readTree(client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT)
                            .value())
                    .get("correlationId")
                    .asText());
        }
        assertThat(correlationIds).containsExactly("opc-batch-1", "own-correlation");
    }

    @Test
    void aBatchWithoutRequestsOrWithMoreThan500Is422NamingRequests() throws Exception {
        problem(
                        given().contentType("application/json")
                                .body("{\"requests\":[]}")
                                .post(batch),
                        422)
                .body("errors.field", hasItem("requests"))
                .body("detail", containsString("1 to 500"));
        problem(given().contentType("application/json").body("{}").post(batch), 422)
                .body("errors.field", hasItem("requests"));
        problem(
                        given().contentType("application/json")
                                .body("{\"requests\":{}}")
                                .post(batch),
                        422)
                .body("errors.field", hasItem("requests"))
                .body("detail", containsString("must be an array"));

        String tooMany = batchOf(
                IntStream.range(0, 501).mapToObj(i -> request("too-many-" + i)).toList());
        problem(given().contentType("application/json").body(tooMany).post(batch), 422)
                .body("errors.field", hasItem("requests"))
                .body("detail", containsString("1 to 500"));
        assertNothingStoredFor("too-many-0");
    }

    @Test
    void exactly500RequestsAreAccepted() {
        String full = batchOf(
                IntStream.range(0, 500).mapToObj(i -> request("full-" + i)).toList());
        given().contentType("application/json")
                .body(full)
                .post(batch)
                .then()
                .statusCode(202)
                .body("accepted", equalTo(500))
                .body("results[499].index", equalTo(499));
        assertThat(client.await("courier.requests", r -> KafkaTestClient.text(r).contains("\"full-"), 500, WAIT))
                .hasSize(500);
    }

    @Test
    void malformedJsonIs400AndNothingIsStored() {
        problem(
                        given().contentType("application/json")
                                .body("{\"requests\":[" + request("malformed-0") + ",{\"target\":")
                                .post(batch),
                        400)
                .body("detail", containsString("malformed JSON at line 1"));
        problem(
                given().contentType("application/json")
                        .body("{\"requests\":[]} []")
                        .post(batch),
                400);
        assertNothingStoredFor("malformed-0");
    }

    @Test
    void aWrongMediaTypeIs415AndAnUnknownFieldOfTheBatch422() {
        problem(given().contentType("text/plain").body("hello").post(batch), 415)
                .body("errors.field", hasItem("Content-Type"));
        problem(
                        given().contentType("application/json")
                                .body("{\"requests\":[" + request("x") + "],\"atomic\":true}")
                                .post(batch),
                        422)
                .body("errors.field", hasItem("atomic"));
    }

    @Test
    void anIdempotencyKeyHeaderOnTheBatchIs422() {
        problem(
                        given().contentType("application/json")
                                .header("Idempotency-Key", "one-for-all")
                                .body(batchOf(List.of(request("header-key"))))
                                .post(batch),
                        422)
                .body("errors.field", hasItem("Idempotency-Key"));
        assertNothingStoredFor("header-key");
    }

    @Test
    void aBatchOverTheBatchLimitIs413() {
        // 100 requests of 16 KiB: over the 1 MiB batch limit of this test profile, though each is within its own.
        String body = "x".repeat(16 * 1024);
        String oversized = batchOf(IntStream.range(0, 100)
                .mapToObj(
                        i -> "{\"target\":{\"type\":\"http\",\"url\":\"https://a.example\"},\"body\":\"" + body + "\"}")
                .toList());
        problem(given().contentType("application/json").body(oversized).post(batch), 413)
                .body("errors.field", hasItem("body"));
    }

    @Test
    void aRequestWhoseIdempotencyKeyCannotBeClaimedIs503AloneAndNeverAccepted() throws Exception {
        JsonNode answer = JSON.readTree(given().contentType("application/json")
                .body(batchOf(List.of(
                        request("keyless-0"),
                        "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"},"
                                + "\"correlationId\":\"keyed-1\",\"idempotencyKey\":\"order-1\"}")))
                .post(batch)
                .then()
                .statusCode(202)
                .body("accepted", equalTo(1))
                .body("failed", equalTo(1))
                .extract()
                .asString());

        String id = answer.get("results").get(0).get("id").asText();
        client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
        JsonNode refused = answer.get("results").get(1);
        assertThat(refused.has("id")).isFalse();
        assertThat(refused.get("problem").get("status").asInt()).isEqualTo(503);
        assertThat(refused.get("problem").get("detail").asText()).contains("idempotency keys are unavailable");
        assertNothingStoredFor("keyed-1");
    }

    @Test
    void whenNoRequestCanBeStoredTheWholeBatchIs503() {
        problem(
                        given().contentType("application/json")
                                .body(batchOf(List.of(
                                        "{\"target\":{\"type\":\"http\",\"url\":\"https://a.example\"},"
                                                + "\"idempotencyKey\":\"k-1\"}",
                                        "{\"target\":{\"type\":\"http\"}}")))
                                .post(batch),
                        503)
                .body("detail", containsString("none was accepted"));
    }

    private static void assertRefused(JsonNode result, int index, String field, String message) {
        assertThat(result.get("index").asInt()).isEqualTo(index);
        assertThat(result.has("id")).isFalse();
        JsonNode problem = result.get("problem");
        assertThat(problem.get("status").asInt()).isEqualTo(422);
        assertThat(problem.get("type").asText()).isEqualTo("urn:courier:problem:invalid-field");
        assertThat(problem.get("instance").asText()).isEqualTo("/v1/invocations/batch#/requests/" + index);
        assertThat(problem.get("correlationId").asText()).isNotBlank();
        assertThat(problem.get("detail").asText()).contains(field);
        Map<String, String> errors = new java.util.HashMap<>();
        problem.get("errors")
                .forEach(error -> errors.put(
                        error.get("field").asText(), error.get("message").asText()));
        assertThat(errors).containsKey(field);
        assertThat(errors.get(field)).contains(message);
    }

    /**
     * No record names {@code correlationId}: checked after a later batch's record is on the topic, so a record sent
     * for the earlier call would be there too.
     */
    private void assertNothingStoredFor(String correlationId) {
        String sentinel = "sentinel-" + System.nanoTime();
        given().contentType("application/json")
                .body(batchOf(List.of(request(sentinel))))
                .post(batch)
                .then()
                .statusCode(202);
        client.awaitOne("courier.requests", r -> KafkaTestClient.text(r).contains(sentinel), WAIT);
        assertThat(client.readAll("courier.requests").stream()
                        .map(KafkaTestClient::text)
                        .filter(text -> text.contains("\"" + correlationId + "\""))
                        .collect(Collectors.toList()))
                .isEmpty();
    }

    private static String request(String correlationId) {
        return "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"},\"correlationId\":\"" + correlationId
                + "\"}";
    }

    private static String batchOf(List<String> items) {
        return "{\"requests\":[" + String.join(",", items) + "]}";
    }

    private static ValidatableResponse problem(io.restassured.response.Response response, int status) {
        return response.then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("title", org.hamcrest.Matchers.notNullValue())
                .body("correlationId", org.hamcrest.Matchers.notNullValue());
    }

    /** cache-service's URL names a port nothing listens on; the batch limit is 1 MiB. */
    public static class NoCacheService implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "courier.accepter.cache-url", "http://127.0.0.1:1", "courier.accepter.max-batch-bytes", "1048576");
        }
    }
}
