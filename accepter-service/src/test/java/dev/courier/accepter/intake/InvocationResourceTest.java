package dev.courier.accepter.intake;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.oci.storage.ClaimCheck;
import dev.courier.oci.storage.ObjectStore;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;

@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @io.quarkus.test.common.ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class InvocationResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @TestHTTPResource("/v1/invocations")
    URI invocations;

    @Inject
    ObjectStore objects;

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
    void anAcceptedRequestIsOnTheRequestsTopicWithExactlyTheSubmittedFieldsPlusTheId() throws Exception {
        String submitted =
                """
                {"target":{"type":"http","url":"https://example.com/orders","method":"PUT"},
                 "headers":{"X-Tenant":"acme"},"query":{"page":["1"],"tag":["a","b"]},
                 "body":{"order":42,"items":["x","y"]},"contentType":"application/json",
                 "callback":{"url":"https://example.com/callback","headers":{"X-Cb":"1"}},
                 "correlationId":"conv-1","timeoutSeconds":10,"retry":{"maxAttempts":4}}
                """;

        String id = given().contentType("application/json")
                .body(submitted)
                .post(invocations)
                .then()
                .statusCode(202)
                .header("Location", matchesPattern("/v1/invocations/[0-9A-Z]{26}"))
                .body("status", equalTo("ACCEPTED"))
                .extract()
                .path("id");

        ConsumerRecord<String, byte[]> record = client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
        ObjectNode expected = (ObjectNode) JSON.readTree(submitted);
        expected.put("id", id);
        assertThat(JSON.readTree(record.value())).isEqualTo(expected);
    }

    @ParameterizedTest
    @CsvSource({"ce-id", "ce-source", "ce-type"})
    void aBinaryModeCloudEventWithoutARequiredAttributeIs422NamingItsHeaderAndIsNotStored(String missing) {
        var request = given().contentType("application/json")
                .header("ce-specversion", "1.0")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/ce-" + missing + "\"}}");
        for (String attribute : new String[] {"ce-id", "ce-source", "ce-type"}) {
            if (!attribute.equals(missing)) {
                request.header(attribute, "x");
            }
        }
        request.post(invocations)
                .then()
                .statusCode(422)
                .contentType("application/problem+json")
                .body("errors.field", hasItem(missing));
        assertThat(client.readAll("courier.requests").stream()
                        .filter(r -> KafkaTestClient.text(r).contains("ce-" + missing)))
                .isEmpty();
    }

    @Test
    void aBinaryModeCloudEventOfAnotherVersionIs422AndItsDataMustBeJson() {
        given().contentType("application/json")
                .header("ce-specversion", "0.3")
                .header("ce-id", "e1")
                .header("ce-source", "/orders")
                .header("ce-type", "order.created")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"}}")
                .post(invocations)
                .then()
                .statusCode(422)
                .body("errors.field", hasItem("ce-specversion"));
        given().contentType("text/plain")
                .header("ce-specversion", "1.0")
                .header("ce-id", "e1")
                .header("ce-source", "/orders")
                .header("ce-type", "order.created")
                .body("hello")
                .post(invocations)
                .then()
                .statusCode(415);
    }

    @Test
    void theAnswerNamesTheStatusUrlAndTheLocationHeader() {
        ValidatableResponse response = given().contentType("application/json")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"}}")
                .post(invocations)
                .then()
                .statusCode(202);
        String id = response.extract().path("id");
        response.header("Location", equalTo("/v1/invocations/" + id))
                .body("statusUrl", equalTo("/v1/invocations/" + id));
    }

    @Test
    void theOrderingKeyIsTheRecordKey() {
        String id = given().contentType("application/json")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"},\"orderingKey\":\"cust-9\"}")
                .post(invocations)
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        ConsumerRecord<String, byte[]> record =
                client.awaitOne("courier.requests", r -> KafkaTestClient.text(r).contains(id), WAIT);
        assertThat(record.key()).isEqualTo("cust-9");
    }

    @Test
    void anOpcRequestIdBecomesTheCorrelationIdWhenTheBodyHasNone() throws Exception {
        String id = given().contentType("application/json")
                .header("opc-request-id", "opc-123")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"}}")
                .post(invocations)
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        JsonNode stored = JSON.readTree(client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT)
                .value());
        assertThat(stored.get("correlationId").asText()).isEqualTo("opc-123");
    }

    @Test
    void malformedJsonIs400WithWhereItBroke() {
        problem(given().contentType("application/json").body("{\"target\": {").post(invocations), 400)
                .body("detail", containsString("malformed JSON at line 1"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{'target':{'type':'http','url':'https://a.example'},'timeoutSeconds':'thirty'} | timeoutSeconds | must be an integer",
                "{'target':{'type':'http','url':'https://a.example'},'timeoutSeconds':1.5}      | timeoutSeconds | must be an integer",
                "{'target':{'type':'http','url':'https://a.example'},'headers':['x']}           | headers        | must be an object",
                "{'body':{}}                                                                    | target         | must not be null",
                "{'target':{'type':'lambda','url':'https://a.example'}}                         | target.type    | must be one of http, function",
                "{'target':{'type':'http'}}                                                     | target.url     | needs a url or a route",
                "{'target':{'type':'http','url':'https://a.example'},'delaySecond':5}           | delaySecond    | unknown field",
                "{'target':{'type':'http','url':'https://a.example'},'id':'mine'}               | id             | assigned by Courier",
            })
    void anInvalidFieldIs422AndNamed(String body, String field, String message) {
        problem(
                        given().contentType("application/json")
                                .body(body.replace('\'', '"'))
                                .post(invocations),
                        422)
                .body("errors.field", hasItem(field))
                .body("errors.message", hasItem(containsString(message)))
                .body("detail", containsString(field));
    }

    @Test
    void aWrongMediaTypeIs415() {
        problem(given().contentType("text/plain").body("hello").post(invocations), 415)
                .body("errors.field", hasItem("Content-Type"));
    }

    @Test
    void aBodyOverTheLimitIs413WhetherItsLengthIsDeclaredOrNot() throws Exception {
        byte[] oversized = oversizedRequest();
        problem(given().contentType("application/json").body(oversized).post(invocations), 413)
                .body("errors.field", hasItem("body"));

        // Chunked: no Content-Length, so the limit is found only once the body has been read.
        HttpResponse<String> chunked = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(invocations)
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofInputStream(
                                        () -> new ByteArrayInputStream(oversized)))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(chunked.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void aFiveMegabyteBodyIsStoredOutOfBandAndTheRecordCarriesAReferenceToIt() throws Exception {
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(5).nextBytes(body);
        String submitted = "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/upload\"},"
                + "\"contentType\":\"application/octet-stream\",\"bodyBase64\":\""
                + Base64.getEncoder().encodeToString(body) + "\"}";

        String id = given().contentType("application/json")
                .body(submitted)
                .post(invocations)
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        ConsumerRecord<String, byte[]> record = client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
        assertThat(record.value().length).isLessThan(1000);
        JsonNode stored = JSON.readTree(record.value());
        assertThat(stored.has("bodyBase64")).isFalse();
        assertThat(stored.get("contentType").asText()).isEqualTo("application/octet-stream");
        JsonNode reference = stored.get("bodyRef");
        assertThat(reference.get("object").asText()).isEqualTo("bodies/" + id);
        assertThat(reference.get("format").asText()).isEqualTo("binary");
        assertThat(reference.get("size").asLong()).isEqualTo(body.length);
        assertThat(reference.get("sha256").asText()).isEqualTo(ClaimCheck.sha256(body));
        assertThat(objects.get("bodies/" + id).orElseThrow().content()).isEqualTo(body);
    }

    @Test
    void aBodyOverTheBodyLimitIs413NamingItsFieldAndNothingIsStored() {
        String submitted = "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/upload\"},"
                + "\"correlationId\":\"too-large-body\",\"bodyBase64\":\""
                + Base64.getEncoder().encodeToString(new byte[6 * 1024 * 1024 + 1]) + "\"}";

        int storedBefore = objects.list("bodies/", null, 1000).names().size();

        problem(given().contentType("application/json").body(submitted).post(invocations), 413)
                .body("errors.field", hasItem("bodyBase64"));
        assertThat(objects.list("bodies/", null, 1000).names()).hasSize(storedBefore);
    }

    @Test
    void aCallerMayNotNameAStoredBody() {
        problem(
                        given().contentType("application/json")
                                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com\"},"
                                        + "\"bodyRef\":{\"object\":\"bodies/someone-elses\",\"sha256\":\""
                                        + "0".repeat(64) + "\",\"size\":1,\"format\":\"json\"}}")
                                .post(invocations),
                        422)
                .body("errors.field", hasItem("bodyRef"));
    }

    @Test
    void anUnknownPathIsAProblemDocumentToo() {
        problem(given().get("/v1/nothing-here"), 404);
    }

    private static ValidatableResponse problem(io.restassured.response.Response response, int status) {
        return response.then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("title", org.hamcrest.Matchers.notNullValue())
                .body("correlationId", org.hamcrest.Matchers.notNullValue())
                .body(org.hamcrest.Matchers.not(containsString("at dev.courier")));
    }

    private static byte[] oversizedRequest() {
        char[] filler = new char[9_500_000];
        Arrays.fill(filler, 'x');
        return ("{\"target\":{\"type\":\"http\",\"url\":\"https://a.example\"},\"body\":\"" + new String(filler)
                        + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
