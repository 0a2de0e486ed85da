package dev.courier.accepter.intake;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.common.secret.SealedHeaders;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Sensitive header values never reach Kafka in clear: the record on {@code courier.requests} holds them sealed
 * ({@code enc:v1:<keyId>:…}, the test profile's development key), bound to the invocation, and they open to exactly
 * what the caller sent. Authorization, Proxy-Authorization, Cookie and X-Api-Key always; X-Signing-Token because the
 * test profile configures it.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class SensitiveHeadersTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @TestHTTPResource("/v1/invocations")
    URI invocations;

    @TestHTTPResource("/v1/invocations/batch")
    URI batch;

    @Inject
    SealedHeaders sealing;

    KafkaTestClient client;
    final String secret = "s3cret-" + Ulid.next();

    @BeforeEach
    void connect() {
        client = new KafkaTestClient(kafka.bootstrapServers());
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @Test
    void sensitiveValuesAreSealedInTheRecordAndOpenToWhatWasSent() throws Exception {
        String id = given().contentType("application/json")
                .body(request())
                .post(invocations)
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        ConsumerRecord<String, byte[]> record = client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
        assertSealed(id, record);
    }

    @Test
    void everyRequestOfABatchHasItsValuesSealed() throws Exception {
        String id = given().contentType("application/json")
                .body("{\"requests\":[" + request() + "]}")
                .post(batch)
                .then()
                .statusCode(202)
                .extract()
                .path("results[0].id");

        ConsumerRecord<String, byte[]> record = client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
        assertSealed(id, record);
    }

    @Test
    void aValueThatLooksSealedIsSealedAgainSoItOpensOnlyToTheCallersOwnText() throws Exception {
        String foreign = sealing.seal(Ulid.next(), SealedHeaders.HEADERS, "Authorization", secret);
        String id = given().contentType("application/json")
                .body("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"},\"headers\":{\"X-Echo\":\""
                        + foreign + "\"}}")
                .post(invocations)
                .then()
                .statusCode(202)
                .extract()
                .path("id");

        JsonNode stored = JSON.readTree(client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT)
                .value());
        String echo = stored.at("/headers/X-Echo").asText();
        assertThat(echo).startsWith("enc:v1:dev-not-secret:").isNotEqualTo(foreign);
        assertThat(sealing.open(id, SealedHeaders.HEADERS, "X-Echo", echo)).isEqualTo(foreign);
    }

    private String request() {
        return """
                {"target":{"type":"http","url":"https://example.com/orders"},
                 "headers":{"Authorization":"Bearer %1$s","cookie":"session=%1$s","X-Signing-Token":"%1$s",
                            "Proxy-Authorization":"Basic %1$s","X-Tenant":"acme"},
                 "callback":{"url":"https://example.com/cb","headers":{"X-Api-Key":"%1$s","X-Cb":"1"}}}
                """
                .formatted(secret);
    }

    private void assertSealed(String id, ConsumerRecord<String, byte[]> record) throws Exception {
        assertThat(KafkaTestClient.text(record)).doesNotContain(secret);
        JsonNode stored = JSON.readTree(record.value());
        Map<String, String> expected = Map.of(
                "Authorization", "Bearer " + secret,
                "cookie", "session=" + secret,
                "X-Signing-Token", secret,
                "Proxy-Authorization", "Basic " + secret);
        for (Map.Entry<String, String> header : expected.entrySet()) {
            String value = stored.at("/headers/" + header.getKey()).asText();
            assertThat(value).as(header.getKey()).startsWith("enc:v1:dev-not-secret:");
            assertThat(sealing.open(id, SealedHeaders.HEADERS, header.getKey(), value))
                    .isEqualTo(header.getValue());
        }
        assertThat(stored.at("/headers/X-Tenant").asText()).isEqualTo("acme");
        String apiKey = stored.at("/callback/headers/X-Api-Key").asText();
        assertThat(apiKey).startsWith("enc:v1:dev-not-secret:");
        assertThat(sealing.open(id, SealedHeaders.CALLBACK_HEADERS, "X-Api-Key", apiKey))
                .isEqualTo(secret);
        assertThat(stored.at("/callback/headers/X-Cb").asText()).isEqualTo("1");
        assertThat(List.of(
                        stored.at("/headers").size(),
                        stored.at("/callback/headers").size()))
                .containsExactly(5, 2);
    }
}
