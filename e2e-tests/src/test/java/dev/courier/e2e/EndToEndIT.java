package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole path over the packaged services: an HTTP client POSTs to the accepter process, the listener process
 * consumes the request from a real broker, calls the target, and forwards the response to the callback.
 */
class EndToEndIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static EmbeddedKafkaBroker kafka;
    private static RecordingHttpServer target;
    private static RecordingHttpServer callback;
    private static ServiceProcess accepter;
    private static ServiceProcess listener;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures");
        target = RecordingHttpServer.start();
        callback = RecordingHttpServer.start();
        Map<String, String> kafkaAt = Map.of("kafka.bootstrap.servers", kafka.bootstrapServers());
        accepter = ServiceProcess.start("accepter", "courier.accepter.app", kafkaAt);
        listener = ServiceProcess.start(
                "listener",
                "courier.listener.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        kafka.bootstrapServers(),
                        // The targets of this test are on 127.0.0.1; production refuses loopback.
                        "courier.listener.egress.allow-loopback",
                        "true"));
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {listener, accepter, target, callback, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void aPostedInvocationReachesTheTargetAndItsResponseReachesTheCallback() throws Exception {
        target.respondWith(request -> Reply.json(200, "{\"greeting\":\"hello back\"}"));
        String body =
                """
                {"target":{"type":"http","url":"%s","method":"POST"},
                 "headers":{"X-Demo":"e2e"},"query":{"lang":["en"]},"body":{"greeting":"hi"},
                 "callback":{"url":"%s"}}
                """
                        .formatted(target.url("/hello"), callback.url("/callback"));

        HttpResponse<String> accepted = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).isEqualTo(202);
        String id = JSON.readTree(accepted.body()).get("id").asText();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/v1/invocations/" + id);

        RecordedRequest call = target.awaitOne(r -> id.equals(r.header("Idempotency-Key")), WAIT);
        assertThat(call.method()).isEqualTo("POST");
        assertThat(call.path()).isEqualTo("/hello");
        assertThat(call.query()).isEqualTo("lang=en");
        assertThat(call.header("X-Demo")).isEqualTo("e2e");
        assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree("{\"greeting\":\"hi\"}"));

        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.bodyText()).isEqualTo("{\"greeting\":\"hello back\"}");
        assertThat(forwarded.header("Courier-Status")).isEqualTo("200");
        assertThat(forwarded.header("Courier-Condition")).isEqualTo("Success");

        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            JsonNode record = JSON.readTree(client.awaitOne("courier.results", r -> id.equals(r.key()), WAIT)
                    .value());
            assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
            assertThat(record.at("/courier/callback/status").asInt()).isEqualTo(200);
        }
    }
}
