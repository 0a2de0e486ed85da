package dev.courier.accepter.tenancy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.courier.security.AccessGate;
import dev.courier.testing.auth.InjectTokenIssuer;
import dev.courier.testing.auth.TestTokenIssuer;
import dev.courier.testing.auth.TokenIssuerResource;
import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A key server that is slow to answer stalls only the requests whose tokens need it, not the event loop: with one I/O
 * thread, a request with an API key is answered while a bearer token's first verification still waits for the JWKS.
 * Verified on the event loop (as before), the loop itself waited for the key server and nothing else was answered.
 */
@QuarkusTest
@TestProfile(SlowKeyServerTest.OneEventLoop.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
@WithTestResource(TokenIssuerResource.class)
class SlowKeyServerTest {
    private static final String KEY = "slow-key-server-test-key-not-a-secret";

    /** One event loop, so a loop that waits is every loop; an API key that needs no key server. */
    public static class OneEventLoop implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "quarkus.http.io-threads", "1",
                    "courier.accepter.cache-url", "http://127.0.0.1:1",
                    "courier.auth.api-keys.acme.sha256", AccepterAuthTest.sha256(KEY),
                    "courier.auth.api-keys.acme.tenant", "acme");
        }
    }

    @InjectTokenIssuer
    TestTokenIssuer issuer;

    @TestHTTPResource("/v1/invocations")
    URI invocations;

    @Test
    void aSlowKeyServerDelaysBearerTokensButNotTheEventLoop() throws Exception {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        CountDownLatch release = new CountDownLatch(1);
        issuer.holdKeySet(release);
        try {
            int fetchesBefore = issuer.jwksRequests();
            CompletableFuture<HttpResponse<String>> withToken = http.sendAsync(
                    submit().header("Authorization", "Bearer " + issuer.token("globex"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (issuer.jwksRequests() == fetchesBefore && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(issuer.jwksRequests())
                    .as("the token's verification asked the key server")
                    .isGreaterThan(fetchesBefore);

            HttpResponse<String> withKey = http.send(
                    // Bounded: on a stalled loop it would be answered only after the key server, which the test holds.
                    submit().header(AccessGate.API_KEY_HEADER, KEY)
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(withKey.statusCode()).as(withKey.body()).isEqualTo(202);
            assertThat(withToken)
                    .as("the token's request waits for the key server")
                    .isNotDone();

            release.countDown();
            HttpResponse<String> answered = withToken.get(30, TimeUnit.SECONDS);
            assertThat(answered.statusCode()).as(answered.body()).isEqualTo(202);
        } finally {
            issuer.holdKeySet(null);
            release.countDown();
        }
    }

    private HttpRequest.Builder submit() {
        return HttpRequest.newBuilder(invocations)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"}}"));
    }
}
