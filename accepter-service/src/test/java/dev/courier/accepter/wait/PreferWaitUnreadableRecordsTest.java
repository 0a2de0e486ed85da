package dev.courier.accepter.wait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
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
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Prefer: wait} when the invocation records cannot be read (here: the record topic does not exist): the caller
 * is not kept waiting for a record that could never come. Its request is stored as sent and answered {@code 202}
 * within its own wait, without {@code Preference-Applied}.
 */
@QuarkusTest
@TestProfile(PreferWaitUnreadableRecordsTest.AbsentRecordTopic.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class PreferWaitUnreadableRecordsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @TestHTTPResource("/")
    URI base;

    @Inject
    InvocationRecordFollower follower;

    @Inject
    InvocationWaiters waiters;

    @Test
    void aWaitingCallerIsAnswered202WithinItsWaitAndTheRequestIsStoredAsSent() throws Exception {
        String correlationId = "unread-" + Ulid.next();
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/invocations"))
                .header("Content-Type", "application/json")
                .header("Prefer", "wait=2")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/orders\"},\"correlationId\":\""
                                + correlationId + "\"}"))
                .build();
        long start = System.nanoTime();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(follower.following()).as("nothing to follow").isEmpty();
        assertThat(response.statusCode()).isEqualTo(202);
        assertThat(elapsedMs).as("within the caller's wait of 2 s").isBetween(1_500L, 4_000L);
        assertThat(response.headers().firstValue("Preference-Applied"))
                .as("it did not wait for the outcome")
                .isEmpty();
        assertThat(waiters.size()).as("the waiter is gone").isZero();
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            JsonNode stored = JSON.readTree(client.awaitOne(
                            "courier.requests",
                            r -> KafkaTestClient.text(r).contains("\"" + correlationId + "\""),
                            WAIT)
                    .value());
            assertThat(stored.get("id").asText())
                    .isEqualTo(JSON.readTree(response.body()).get("id").asText());
            assertThat(stored.has("recordResponse"))
                    .as("stored as sent: nobody waits for its record")
                    .isFalse();
        }
    }

    /** Records on a topic that does not exist, and no consumer may create it. */
    public static class AbsentRecordTopic implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "courier.accepter.wait.topics", "courier.absent-records",
                    "kafka.allow.auto.create.topics", "false");
        }
    }
}
