package dev.courier.accepter.problem;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.courier.testing.http.RawHttp;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.log.LoggedErrors;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the fuzz test (e2e {@code HostileInputIT}) found in accepter-service, one test each: every one was a 500, a
 * body that was not a problem document, or an error logged with its stack trace.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class HostileRequestTest {
    @TestHTTPResource("/")
    java.net.URI base;

    private final LoggedErrors errors = new LoggedErrors();

    @BeforeEach
    void captureErrors() {
        errors.start();
    }

    @AfterEach
    void stopCapturing() {
        errors.stop();
    }

    @Test
    void aPathThatDoesNotDecodeTwiceStillGetsItsProblemDocument() {
        // "%25zz" is "%zz" once decoded; the body limit filter and the problem's instance decoded it again, which
        // threw.
        RawHttp.Response response = RawHttp.exchange(
                base.getPort(),
                new RawHttp.Request(
                        "POST",
                        "/v1/invocations/%25zz",
                        RawHttp.headers("Content-Type", "application/json"),
                        "{}".getBytes(StandardCharsets.UTF_8),
                        RawHttp.Framing.CONTENT_LENGTH,
                        "undecodable"),
                10_000);

        assertProblem(response, 404);
        assertThat(errors.logged()).isEmpty();
    }

    @Test
    void aRequestWithoutHostIs400ProblemAndNoErrorIsLogged() {
        String request = "GET /v1/invocations/01ARZ3NDEKTSV4RRFFQ69G5FAV HTTP/1.1\r\nConnection: close\r\n\r\n";
        RawHttp.Response response =
                RawHttp.exchange(base.getPort(), request.getBytes(StandardCharsets.ISO_8859_1), "GET", 10_000);

        assertProblem(response, 400);
        assertThat(response.text()).contains("Host");
        assertThat(errors.logged()).isEmpty();
    }

    @Test
    void trailingContentIs400WithoutJacksonsJavaNames() {
        RawHttp.Response response =
                post("/v1/invocations", "{\"target\":{\"type\":\"http\",\"url\":\"https://e.example\"}} {}");

        assertProblem(response, 400);
        assertThat(response.text())
                .contains("trailing content")
                .doesNotContain("com.fasterxml")
                .doesNotContain("DeserializationFeature");
    }

    @Test
    void aRelayPathOfThousandsOfSegmentsIs422NamingThePathNotA500() {
        // The path check overflowed the stack on a long path (a 500) before the size check could refuse it.
        RawHttp.Response response = post("/v1/relay/billing/" + "a/".repeat(2000) + "b", "x");

        assertProblem(response, 422);
        assertThat(response.text()).contains("path: size must be between 0 and 2048");
        assertThat(errors.logged()).isEmpty();
    }

    @Test
    void anH2cUpgradeIsIgnoredAndTheRequestAnswered() {
        // With clear-text HTTP/2 on, Vert.x never answered an Upgrade: h2c without HTTP2-Settings (the fuzz test).
        RawHttp.Response response = RawHttp.exchange(
                base.getPort(),
                new RawHttp.Request(
                        "GET",
                        "/v1/invocations/not!an!id",
                        RawHttp.headers("Upgrade", "h2c"),
                        null,
                        RawHttp.Framing.CONTENT_LENGTH,
                        "h2c"),
                10_000);

        assertProblem(response, 404);
    }

    @Test
    void theProgressOfAReplayIdNoReplayMayHaveIs404NotA503FromTheCache() {
        // cache-service is not running here: before the id was checked, it was asked, and the answer was 503.
        RawHttp.Response response = RawHttp.exchange(
                base.getPort(),
                new RawHttp.Request(
                        "GET",
                        "/v1/replays/" + "k".repeat(600),
                        RawHttp.headers(),
                        null,
                        RawHttp.Framing.CONTENT_LENGTH,
                        "replay"),
                10_000);

        assertProblem(response, 404);
    }

    @Test
    void aScheduleOfFiftyThousandUnknownFieldsIs422NamingAHundredOfThem() throws Exception {
        String wide = java.util.stream.IntStream.range(0, 50_000)
                .mapToObj(i -> "\"k" + i + "\":" + i)
                .collect(java.util.stream.Collectors.joining(",", "{", "}"));

        RawHttp.Response response = post("/v1/schedules", wide);

        assertProblem(response, 422);
        com.fasterxml.jackson.databind.JsonNode problem =
                new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.text());
        assertThat(problem.get("errors")).hasSize(RequestProblem.MAX_ERRORS);
        assertThat(problem.get("detail").asText()).matches("(?s).*; and 499\\d\\d more");
    }

    @Test
    void aChunkSizeThatIsNotHexIs400AndNotLoggedAsAnError() throws Exception {
        String request = "POST /v1/schedules HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n";
        RawHttp.Response response =
                RawHttp.exchange(base.getPort(), request.getBytes(StandardCharsets.ISO_8859_1), "POST", 10_000);

        // Refused by the codec (the connection closed) or by the resource's body read (400): never an error logged.
        assertThat(response.status()).isIn(-1, 400);
        // The codec's failure is logged, if at all, after the connection has closed: watch for it a while.
        assertThat(errors.within(Duration.ofMillis(500))).isEmpty();
    }

    private RawHttp.Response post(String target, String body) {
        return RawHttp.exchange(
                base.getPort(),
                new RawHttp.Request(
                        "POST",
                        target,
                        RawHttp.headers("Content-Type", "application/json"),
                        body.getBytes(StandardCharsets.UTF_8),
                        RawHttp.Framing.CONTENT_LENGTH,
                        target),
                10_000);
    }

    private static void assertProblem(RawHttp.Response response, int status) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.text()).contains("\"status\":" + status).doesNotContain("Exception");
    }
}
