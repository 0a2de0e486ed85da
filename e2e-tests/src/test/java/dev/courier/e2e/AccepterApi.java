package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import static org.assertj.core.api.Assertions.assertThat;

/** What the e2e tests do with a running accepter: accept, read status, wait for a status, cancel. */
final class AccepterApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final ServiceProcess accepter;

    AccepterApi(ServiceProcess accepter) {
        this.accepter = accepter;
    }

    /** POSTs an invocation (with an Idempotency-Key when not null), asserts 202 and answers its id. */
    String accept(String body, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> accepted = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).isEqualTo(202);
        return JSON.readTree(accepted.body()).get("id").asText();
    }

    /** POSTs a batch ({@code {"requests": [...]}}), asserts 202 and answers the body. */
    JsonNode acceptBatch(String batch) throws Exception {
        HttpResponse<String> accepted = HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations/batch"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(batch))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        return JSON.readTree(accepted.body());
    }

    /** POSTs an invocation without an Idempotency-Key. */
    String accept(String body) throws Exception {
        return accept(body, null);
    }

    /** GET /v1/invocations/{id}. */
    HttpResponse<String> status(String id) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations/" + id))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** DELETE /v1/invocations/{id}. */
    HttpResponse<String> cancel(String id) throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations/" + id))
                        .DELETE()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Waits until the invocation's status is {@code expected} and answers the document; fails after 30 s. */
    JsonNode awaitStatus(String id, String expected) throws Exception {
        JsonNode status = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = status(id);
            if (response.statusCode() == 200) {
                status = JSON.readTree(response.body());
                if (status.get("status").asText().equals(expected)) {
                    return status;
                }
            }
            Thread.sleep(50);
        }
        throw new AssertionError("status of " + id + " never became " + expected + "; last: " + status);
    }
}
