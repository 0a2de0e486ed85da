package dev.courier.cache.api;

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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the fuzz test (e2e {@code HostileInputIT}) found in cache-service, one test each: every one was a 500, a body
 * that was not a problem document, or an error logged with its stack trace.
 */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.cache.changes:3"))
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

    @ParameterizedTest
    @ValueSource(strings = {"99999999999:1", "0:99999999999999999999"})
    void aMinTokenPastIntOrLongIs400NamingTheHeader(String token) {
        RawHttp.Response response = send("GET", "/v1/cache/hostile/k", "Courier-Cache-Min-Token", token);

        assertProblem(response, 400);
        assertThat(response.text()).contains("Courier-Cache-Min-Token");
        assertThat(errors.logged()).isEmpty();
    }

    @Test
    void aMinTokenOfAPartitionTheLogDoesNotHaveIs400AtOnceNot503AfterTheWait() {
        RawHttp.Response response = send("GET", "/v1/cache/hostile/k", "Courier-Cache-Min-Token", "99:0");

        assertProblem(response, 400);
        assertThat(response.text()).contains("no partition 99");
    }

    @Test
    void aPathThatDoesNotDecodeTwiceStillGetsItsProblemDocument() {
        // "%25*f" is "%*f" once decoded: the problem's instance used to be decoded again, which threw.
        RawHttp.Response response = send("GET", "/v1/cache/3C%25*fA");

        assertProblem(response, 400);
        assertThat(errors.logged()).isEmpty();
    }

    @Test
    void aRequestWithoutHostIs400ProblemAndNoErrorIsLogged() {
        String request = "GET /v1/cache/hostile/k HTTP/1.1\r\nConnection: close\r\n\r\n";
        RawHttp.Response response =
                RawHttp.exchange(base.getPort(), request.getBytes(StandardCharsets.ISO_8859_1), "GET", 10_000);

        assertProblem(response, 400);
        assertThat(response.text()).contains("Host");
        assertThat(errors.logged()).isEmpty();
    }

    @Test
    void anInvalidHostIs400Problem() {
        assertProblem(send("GET", "/v1/cache/hostile/k", "Host", "a b:99999"), 400);
        assertThat(errors.logged()).isEmpty();
    }

    @Test
    void aChunkedValuePastTheHttpLimitIs413AndIsNotLoggedAsAnError() throws Exception {
        // quarkus.http.limits.max-body-size is 2M: past it, the body reader answers 413 and fails the read.
        RawHttp.Response response = RawHttp.exchange(
                base.getPort(),
                new RawHttp.Request(
                        "PUT",
                        "/v1/cache/hostile/large",
                        RawHttp.headers("Content-Type", "application/octet-stream"),
                        new byte[3 * 1024 * 1024],
                        RawHttp.Framing.CHUNKED,
                        "large"),
                10_000);

        assertThat(response.status()).isEqualTo(413);
        // The failure after the answer is logged after the answer: watch for it a while.
        assertThat(errors.within(Duration.ofMillis(500))).isEmpty();
    }

    @Test
    void aCallerThatHangsUpInTheMiddleOfItsValueIsNotLoggedAsAnError() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", base.getPort())) {
            socket.getOutputStream()
                    .write(("PUT /v1/cache/hostile/cut HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n"
                                    + "only the beginning")
                            .getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            Thread.sleep(200);
        }

        // The read fails when the server sees the connection closed, with no answer to wait for: watch a while.
        assertThat(errors.within(Duration.ofMillis(1000))).isEmpty();
    }

    @Test
    void anH2cUpgradeIsIgnoredAndTheRequestAnswered() {
        // With clear-text HTTP/2 on, Vert.x never answered an Upgrade: h2c without HTTP2-Settings.
        assertProblem(send("GET", "/v1/cache/hostile/absent", "Upgrade", "h2c"), 404);
    }

    private RawHttp.Response send(String method, String target, String... headers) {
        return RawHttp.exchange(
                base.getPort(),
                new RawHttp.Request(
                        method, target, RawHttp.headers(headers), null, RawHttp.Framing.CONTENT_LENGTH, target),
                10_000);
    }

    private static void assertProblem(RawHttp.Response response, int status) {
        assertThat(response.status()).as(response.text()).isEqualTo(status);
        assertThat(response.header("Content-Type")).startsWith("application/problem+json");
        assertThat(response.text()).contains("\"status\":" + status).doesNotContain("Exception");
    }
}
