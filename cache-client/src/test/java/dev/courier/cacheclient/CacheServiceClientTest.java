package dev.courier.cacheclient;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.courier.cacheclient.CacheServiceClient.Precondition;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The client's requests as a real HTTP server on 127.0.0.1 receives them, and how it reads the answers. */
class CacheServiceClientTest {
    private RecordingHttpServer server;
    private CacheServiceClient client;

    @BeforeEach
    void start() {
        server = RecordingHttpServer.start();
        client = new CacheServiceClient(URI.create(server.url("/")), Duration.ofSeconds(5), "test-cache-client");
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    @Test
    void aConditionalPutSendsTheConditionTheTtlAndAnEncodedKey() throws Exception {
        server.respondWith(request -> Reply.json(201, "").withHeader("ETag", "\"0-7\""));

        CacheServiceClient.Reply created = client.put(
                        "courier.idempotency",
                        "a key/with spaces",
                        "{}".getBytes(StandardCharsets.UTF_8),
                        Duration.ofHours(24),
                        Precondition.ABSENT)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        client.put("ns", "k", new byte[0], null, Precondition.matching("\"0-7\""))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);

        assertThat(created.status()).isEqualTo(201);
        assertThat(created.etag()).hasValue("\"0-7\"");
        List<RecordedRequest> received = server.received();
        assertThat(received.get(0).method()).isEqualTo("PUT");
        assertThat(received.get(0).path()).isEqualTo("/v1/cache/courier.idempotency/a%20key%2Fwith%20spaces");
        assertThat(received.get(0).query()).isEqualTo("ttlSeconds=86400");
        assertThat(received.get(0).header("If-None-Match")).isEqualTo("*");
        assertThat(received.get(1).header("If-Match")).isEqualTo("\"0-7\"");
        assertThat(received.get(1).header("If-None-Match")).isNull();
        assertThat(received.get(1).query()).isNull();
    }

    @Test
    void aStatusReadAsksCacheServiceToWaitOnlyWhenToldTo() throws Exception {
        server.respondWith(request -> Reply.json(200, "{\"status\":\"ACCEPTED\"}"));

        CacheServiceClient.Reply status = client.status("01K1Q6K12C1BT01KRZJ000HKB9", Duration.ofMillis(1500))
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        client.status("01K1Q6K12C1BT01KRZJ000HKB9", Duration.ZERO)
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
        client.cancel("01K1Q6K12C1BT01KRZJ000HKB9").toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(status.text()).contains("ACCEPTED");
        List<RecordedRequest> received = server.received();
        assertThat(received.get(0).path()).isEqualTo("/v1/status/01K1Q6K12C1BT01KRZJ000HKB9");
        assertThat(received.get(0).header(CacheServiceClient.STATUS_WAIT)).isEqualTo("1500");
        assertThat(received.get(1).header(CacheServiceClient.STATUS_WAIT)).isNull();
        assertThat(received.get(2).method()).isEqualTo("POST");
        assertThat(received.get(2).path()).isEqualTo("/v1/status/01K1Q6K12C1BT01KRZJ000HKB9/cancel");
    }

    @Test
    void aDurableWriteIsRetriedUntilCacheServiceTakesIt() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        server.respondWith(request -> calls.incrementAndGet() < 3 ? Reply.json(503, "{}") : Reply.json(200, "{}"));

        client.putDurably("courier.lanes", "01K1Q6K12C1BT01KRZJ000HKB9", "{}".getBytes(StandardCharsets.UTF_8))
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);

        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void aDurableDeleteOfAKeyAlreadyGoneIsDone() throws Exception {
        server.respondWith(request -> Reply.json(404, "{}"));

        client.deleteDurably("courier.lanes", "gone").toCompletableFuture().get(5, TimeUnit.SECONDS);

        assertThat(server.received()).hasSize(1);
        assertThat(server.received().get(0).method()).isEqualTo("DELETE");
    }

    @Test
    void keysAreListedPageByPage() throws Exception {
        server.respondWith(request -> request.query().contains("cursor=")
                ? Reply.json(200, "{\"keys\":[\"c\"],\"nextCursor\":null}")
                : Reply.json(200, "{\"keys\":[\"a\",\"b\"],\"nextCursor\":\"b\"}"));

        assertThat(client.keys("courier.cancellations")).containsExactly("a", "b", "c");
        assertThat(server.received().get(1).query()).isEqualTo("limit=1000&cursor=b");
    }
}
