package dev.courier.oci.storage;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.courier.common.request.BodyReference;
import dev.courier.common.request.InvocationRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The claim check over a real local store: what is stored, what comes back, and what is refused. */
class ClaimCheckTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int THRESHOLD = 1000;

    @TempDir
    Path directory;

    ExecutorService executor;
    LocalObjectStore store;
    ClaimCheck claimCheck;

    @BeforeEach
    void open() {
        executor = Executors.newFixedThreadPool(2);
        store = new LocalObjectStore(directory);
        claimCheck = new ClaimCheck(store, JSON, THRESHOLD, executor);
    }

    @AfterEach
    void close() {
        executor.shutdownNow();
    }

    @Test
    void aLargeBinaryBodyIsStoredAsItsBytesAndComesBackIdentical() throws Exception {
        byte[] body = new byte[5000];
        new Random(7).nextBytes(body);
        InvocationRequest request = request("01KBIN", null, Base64.getEncoder().encodeToString(body));

        InvocationRequest recorded =
                claimCheck.checkIn(request, 10_000).toCompletableFuture().join();

        assertThat(recorded.bodyBase64()).isNull();
        assertThat(recorded.body()).isNull();
        BodyReference reference = recorded.bodyRef();
        assertThat(reference.object()).isEqualTo("bodies/01KBIN");
        assertThat(reference.format()).isEqualTo(BodyReference.Format.BINARY);
        assertThat(reference.size()).isEqualTo(5000);
        assertThat(reference.sha256()).isEqualTo(ClaimCheck.sha256(body));
        assertThat(Files.readAllBytes(directory.resolve("bodies/01KBIN"))).isEqualTo(body);

        InvocationRequest claimed =
                claimCheck.claim(recorded).toCompletableFuture().join();
        assertThat(claimed).isEqualTo(request);

        assertThat(claimCheck.release(reference).toCompletableFuture().join()).isTrue();
        assertThat(store.get("bodies/01KBIN")).isEmpty();
    }

    @Test
    void aLargeJsonBodyIsStoredAsJsonAndComesBackAsTheSameValue() throws Exception {
        JsonNode body = JSON.readTree("{\"text\":\"" + "x".repeat(2000) + "\",\"n\":[1,2.5,true,null]}");
        InvocationRequest request = request("01KJSON", body, null);

        InvocationRequest recorded =
                claimCheck.checkIn(request, 10_000).toCompletableFuture().join();

        assertThat(recorded.bodyRef().format()).isEqualTo(BodyReference.Format.JSON);
        assertThat(JSON.readTree(Files.readAllBytes(directory.resolve("bodies/01KJSON"))))
                .isEqualTo(body);
        assertThat(claimCheck.claim(recorded).toCompletableFuture().join()).isEqualTo(request);
    }

    @Test
    void aBodyAtTheThresholdStaysInline() {
        InvocationRequest atThreshold = request("01KSMALL", null, "A".repeat(THRESHOLD));
        InvocationRequest small = request("01KSMALL2", JsonNodeFactory.instance.textNode("hi"), null);

        assertThat(claimCheck.checkIn(atThreshold, 10_000).toCompletableFuture().join())
                .isSameAs(atThreshold);
        assertThat(claimCheck.checkIn(small, 10_000).toCompletableFuture().join())
                .isSameAs(small);
        assertThat(store.list("", null, 10).names()).isEmpty();
    }

    @Test
    void aBodyOverTheLimitIsRefusedAndNothingIsStored() {
        InvocationRequest request = request("01KBIG", null, Base64.getEncoder().encodeToString(new byte[3000]));

        assertThatThrownBy(() ->
                        claimCheck.checkIn(request, 2999).toCompletableFuture().join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(ClaimCheck.BodyTooLargeException.class, e -> {
                    assertThat(e.field()).isEqualTo("bodyBase64");
                    assertThat(e.limit()).isEqualTo(2999);
                });
        assertThat(store.list("", null, 10).names()).isEmpty();
    }

    @Test
    void aStoredBodyThatWasChangedOrDeletedIsALastingFailure() {
        InvocationRequest recorded = claimCheck
                .checkIn(request("01KCHG", null, Base64.getEncoder().encodeToString(new byte[2000])), 10_000)
                .toCompletableFuture()
                .join();

        store.put("bodies/01KCHG", "tampered".getBytes(StandardCharsets.UTF_8), Precondition.NONE);
        assertStoredBodyFailure(recorded, "does not match");

        store.delete("bodies/01KCHG");
        assertStoredBodyFailure(recorded, "is gone");
    }

    @Test
    void aResponseIsStoredUnderItsNameAndFetchedBack() {
        byte[] response = "a large response".getBytes(StandardCharsets.UTF_8);
        BodyReference reference = claimCheck
                .store("responses/01KR", response, BodyReference.Format.BINARY)
                .toCompletableFuture()
                .join();

        assertThat(reference.object()).isEqualTo("responses/01KR");
        assertThat(claimCheck.fetch(reference).toCompletableFuture().join()).isEqualTo(response);
    }

    private void assertStoredBodyFailure(InvocationRequest recorded, String message) {
        assertThatThrownBy(
                        () -> claimCheck.claim(recorded).toCompletableFuture().join())
                .cause()
                .isInstanceOfSatisfying(ClaimCheck.StoredBodyException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains(message);
                });
    }

    private static InvocationRequest request(String id, JsonNode body, String bodyBase64) {
        try {
            return JSON.readValue(
                            "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/x\"},\"contentType\":\"application/x-test\"}",
                            InvocationRequest.class)
                    .withId(id)
                    .withBody(body, bodyBase64, null);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
