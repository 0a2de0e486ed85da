package dev.courier.cache.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.courier.common.cache.CacheChangeHeaders;
import dev.courier.common.id.Ulid;
import dev.courier.common.status.InvocationStatus;
import dev.courier.common.status.StatusEvent;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

/**
 * The status read model end to end on a real broker: records as the accepter, the listener or a direct producer write
 * them, projected by the status projector, appended to the change log, applied by the log follower, and read (or
 * cancelled) through {@code /v1/status/{id}}.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs =
                @ResourceArg(
                        name = KafkaBrokerResource.TOPICS,
                        value = "courier.cache.changes:3,courier.requests:3,courier.results:3,courier.failures:3,"
                                + "courier.delay.1s:1,courier.delay.10s:1,courier.delay.1m:1,courier.delay.10m:1,"
                                + "courier.delay.1h:1"))
class StatusResourceTest {
    private static final String REQUESTS = "courier.requests";
    private static final String RESULTS = "courier.results";
    private static final String CHANGES = "courier.cache.changes";
    private static final int CHANGE_PARTITIONS = 3;
    private static final String WAIT = "5000";
    /** Set once the projector is seen to project (its group joined): the waits below are then the API's alone. */
    private static volatile boolean projecting;

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    private KafkaTestClient client;
    /** For records with a status event: {@link KafkaTestClient} sends text headers, and the event is binary. */
    private KafkaProducer<String, byte[]> producer;

    @BeforeEach
    void connect() throws InterruptedException {
        client = new KafkaTestClient(kafka.bootstrapServers());
        producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer());
        if (!projecting) {
            String id = Ulid.next();
            client.send(REQUESTS, id, request(id, null));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (given().get("/v1/status/" + id).statusCode() != 200) {
                assertThat(System.nanoTime())
                        .as("the projector projects in time")
                        .isLessThan(deadline);
                Thread.sleep(100);
            }
            projecting = true;
        }
    }

    @AfterEach
    void disconnect() {
        producer.close(Duration.ofSeconds(5));
        client.close();
    }

    @Test
    void aRequestWithItsStatusEventIsAccepted() throws Exception {
        String id = Ulid.next();
        Instant acceptedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(REQUESTS, request(id, "conversation-1"), StatusEvent.accepted(id, acceptedAt, "conversation-1"));

        given().header(StatusResource.WAIT, WAIT)
                .get("/v1/status/" + id)
                .then()
                .statusCode(200)
                .contentType("application/json")
                .body("id", equalTo(id))
                .body("status", equalTo("ACCEPTED"))
                .body("attempts", equalTo(0))
                .body("acceptedAt", equalTo(acceptedAt.toString()))
                .body("correlationId", equalTo("conversation-1"));
    }

    @Test
    void aDirectProducersRequestWithoutAnEventIsAcceptedFromItsId() {
        String id = Ulid.next();
        client.send(REQUESTS, "any-key", request(id, null));

        given().header(StatusResource.WAIT, WAIT)
                .get("/v1/status/" + id)
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("status", equalTo("ACCEPTED"))
                // Without a correlation id of its own, the conversation is the invocation.
                .body("correlationId", equalTo(id));
    }

    @Test
    void aResultRecordWithASucceededEventMakesItSucceededWithTheLastResponse() throws Exception {
        String id = Ulid.next();
        Instant acceptedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant finishedAt = acceptedAt.plusMillis(250);
        send(REQUESTS, request(id, null), StatusEvent.accepted(id, acceptedAt, id));
        send(RESULTS, "{\"id\":\"" + id + "\"}", succeeded(id, acceptedAt, finishedAt));

        Response status = awaitStatus(id, InvocationStatus.SUCCEEDED);

        assertThat(status.jsonPath().getInt("attempts")).isEqualTo(1);
        assertThat(status.jsonPath().getString("lastResponse.status")).isEqualTo("200");
        assertThat(status.jsonPath().getString("lastResponse.timestamp")).isEqualTo(finishedAt.toString());
        assertThat(status.jsonPath().getString("updatedAt")).isEqualTo(finishedAt.toString());
        assertThat(status.jsonPath().getString("acceptedAt")).isEqualTo(acceptedAt.toString());
        assertThat(status.jsonPath().getString("nextAttemptAt")).isNull();
    }

    @Test
    void aReplaysStatusNamesTheInvocationItReplaysAfterItSucceeded() throws Exception {
        String original = Ulid.next();
        String id = Ulid.next();
        Instant acceptedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(REQUESTS, request(id, null), StatusEvent.accepted(id, acceptedAt, id, null, original));
        send(RESULTS, "{\"id\":\"" + id + "\"}", succeeded(id, acceptedAt, acceptedAt.plusMillis(40)));

        Response status = awaitStatus(id, InvocationStatus.SUCCEEDED);

        assertThat(status.jsonPath().getString("replayOf")).isEqualTo(original);
    }

    @Test
    void aCancelIsCancelledAtOnce() throws Exception {
        String id = Ulid.next();
        send(REQUESTS, request(id, null), StatusEvent.accepted(id, Instant.now(), id));
        given().header(StatusResource.WAIT, WAIT).get("/v1/status/" + id).then().statusCode(200);

        given().post("/v1/status/" + id + "/cancel")
                .then()
                .statusCode(200)
                .body("id", equalTo(id))
                .body("status", equalTo("CANCELLED"));
        // Applied here before the answer: the next read, without waiting, sees it.
        given().get("/v1/status/" + id).then().statusCode(200).body("status", equalTo("CANCELLED"));
    }

    @Test
    void aSucceededInvocationCannotBeCancelled() throws Exception {
        String id = Ulid.next();
        Instant acceptedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        send(RESULTS, "{\"id\":\"" + id + "\"}", succeeded(id, acceptedAt, acceptedAt.plusMillis(10)));
        awaitStatus(id, InvocationStatus.SUCCEEDED);

        given().post("/v1/status/" + id + "/cancel").then().statusCode(409).body("status", equalTo("SUCCEEDED"));
        given().get("/v1/status/" + id).then().statusCode(200).body("status", equalTo("SUCCEEDED"));
    }

    @Test
    void anUnknownIdIsAProblem() {
        String id = Ulid.next();
        for (Response response : new Response[] {
            given().get("/v1/status/" + id),
            given().header(StatusResource.WAIT, "200").get("/v1/status/" + id),
            given().post("/v1/status/" + id + "/cancel")
        }) {
            response.then()
                    .statusCode(404)
                    .contentType("application/problem+json")
                    .body("status", equalTo(404))
                    .body("type", equalTo("urn:courier:problem:not-found"));
        }
        given().header(StatusResource.WAIT, "soon")
                .get("/v1/status/" + id)
                .then()
                .statusCode(400)
                .contentType("application/problem+json");
    }

    @Test
    void aWaitingReadIsAnsweredWhenTheIdArrivesMomentsLater()
            throws InterruptedException, ExecutionException, TimeoutException {
        String id = Ulid.next();
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(
                () -> given().header(StatusResource.WAIT, WAIT).get("/v1/status/" + id));

        Thread.sleep(300); // the id arrives after the read has begun
        assertThat(waiting).as("no answer (no 404) while the id is unknown").isNotDone();
        client.send(REQUESTS, id, request(id, null));

        Response response = waiting.get(10, TimeUnit.SECONDS);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        assertThat(response.jsonPath().getString("status")).isEqualTo("ACCEPTED");
    }

    /**
     * Events that arrive over half a second, one every 5 ms, are gathered by the projector's fetches (a
     * {@code courier.cache.status.gather} of 50 ms) into a few status changes: at most one per change-log partition
     * and gather, not one per event as when every fetch returned at its first record.
     */
    @Test
    void eventsArrivingOneByOneAreGatheredIntoAFewStatusChanges() throws Exception {
        int events = 100;
        long since = System.currentTimeMillis();
        long started = System.nanoTime();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            String id = Ulid.next();
            ids.add(id);
            ProducerRecord<String, byte[]> record =
                    new ProducerRecord<>(REQUESTS, id, request(id, null).getBytes(StandardCharsets.UTF_8));
            record.headers()
                    .add(
                            StatusEvent.HEADER,
                            StatusEvent.accepted(id, Instant.now(), id).encode());
            producer.send(record);
            Thread.sleep(5);
        }
        producer.flush();
        long sendingMillis = Duration.ofNanos(System.nanoTime() - started).toMillis();
        for (String id : ids) {
            given().header(StatusResource.WAIT, WAIT)
                    .get("/v1/status/" + id)
                    .then()
                    .statusCode(200);
        }

        long changes = client.readAll(CHANGES).stream()
                .filter(record -> record.timestamp() >= since)
                .filter(record -> "STATUS".equals(header(record, CacheChangeHeaders.OP)))
                .count();
        // One fetch per gather while the events arrive, and one or two more for the last ones; each appends at most
        // one change per partition. Without gathering, nearly every event was a fetch and a change of its own.
        long bound = CHANGE_PARTITIONS * (sendingMillis / 50 + 3);
        assertThat(changes)
                .as("status changes for %d events sent over %d ms", events, sendingMillis)
                .isPositive()
                .isLessThanOrEqualTo(bound)
                .isLessThan(events / 2);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    /** Polls until {@code id} is in {@code status}: events on different topics are projected in no set order. */
    private static Response awaitStatus(String id, InvocationStatus status) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        Response response = given().header(StatusResource.WAIT, WAIT).get("/v1/status/" + id);
        while (!(response.statusCode() == 200
                        && status.name().equals(response.jsonPath().getString("status")))
                && System.nanoTime() < deadline) {
            Thread.sleep(50);
            response = given().header(StatusResource.WAIT, WAIT).get("/v1/status/" + id);
        }
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        assertThat(response.jsonPath().getString("status")).isEqualTo(status.name());
        return response;
    }

    private static StatusEvent succeeded(String id, Instant acceptedAt, Instant at) {
        return new StatusEvent(id, InvocationStatus.SUCCEEDED, 1, null, acceptedAt, at, "200", id, false);
    }

    /** Sends a record with {@code event} in its {@value StatusEvent#HEADER} header, as the accepter or listener do. */
    private void send(String topic, String value, StatusEvent event) throws Exception {
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(topic, event.id(), value.getBytes(StandardCharsets.UTF_8));
        record.headers().add(StatusEvent.HEADER, event.encode());
        producer.send(record).get(30, TimeUnit.SECONDS);
    }

    private static String request(String id, String correlationId) {
        return "{\"id\":\"" + id + "\""
                + (correlationId == null ? "" : ",\"correlationId\":\"" + correlationId + "\"")
                + ",\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"}}";
    }
}
