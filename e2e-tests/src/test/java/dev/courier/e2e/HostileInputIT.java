package dev.courier.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.courier.e2e.HostileRequests.BodyKind;
import dev.courier.e2e.HostileRequests.Endpoint;
import dev.courier.testing.auth.TestTokenIssuer;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzzing (issue 14): every REST endpoint of cache-service and accepter-service gets thousands of generated hostile
 * requests (bodies, headers, paths, methods, query strings: {@link HostileRequests}), and answers none of them with a
 * 5xx, a stack trace or an implementation detail; every 4xx is a problem document; each service is still ready at the
 * end and logged no error.
 *
 * <p>Why packaged services here rather than a jqwik {@code @Property} in the services' own tests: jqwik's engine and
 * {@code @QuarkusTest} do not mix, and the accepter's status, cancellation and idempotency endpoints need a real
 * cache-service behind them, which only the e2e tests run. So this is a plain JUnit test that draws its requests
 * from jqwik {@link net.jqwik.api.Arbitraries} with a fixed seed, sends them over real sockets to the services'
 * processes (real broker, real cache-service behind the accepter) and reads the processes' logs.
 *
 * <p>A new endpoint is one row in {@link #CACHE_ENDPOINTS} or {@link #ACCEPTER_ENDPOINTS}. Settings: {@code
 * -Dcourier.fuzz.seed=<n>} (default {@value #DEFAULT_SEED}) reproduces a run; {@code -Dcourier.fuzz.requests=<n>}
 * per service (default {@value #DEFAULT_REQUESTS}).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputIT {
    private static final long DEFAULT_SEED = 20261214L;
    private static final int DEFAULT_REQUESTS = 10_000;

    /** cache-service's endpoints (cache API, value reads, status read model). */
    static final List<Endpoint> CACHE_ENDPOINTS = List.of(
            Endpoint.of("GET", "/v1/cache/{namespace}/{key}", BodyKind.NONE),
            Endpoint.of("PUT", "/v1/cache/{namespace}/{key}", BodyKind.BYTES),
            Endpoint.of("POST", "/v1/cache/{namespace}/{key}", BodyKind.BYTES),
            Endpoint.of("DELETE", "/v1/cache/{namespace}/{key}", BodyKind.NONE),
            Endpoint.of("GET", "/v1/cache/{namespace}", BodyKind.NONE),
            Endpoint.of("GET", "/v1/status/{id}", BodyKind.NONE),
            Endpoint.of("POST", "/v1/status/{id}/cancel", BodyKind.NONE));

    /** accepter-service's endpoints (intake, batch, status and cancellation, relay, schedules, replays). */
    static final List<Endpoint> ACCEPTER_ENDPOINTS = List.of(
            Endpoint.of("POST", "/v1/invocations", BodyKind.INVOCATION),
            Endpoint.of("POST", "/v1/invocations/batch", BodyKind.BATCH),
            Endpoint.of("GET", "/v1/invocations/{id}", BodyKind.NONE),
            Endpoint.of("DELETE", "/v1/invocations/{id}", BodyKind.NONE),
            Endpoint.of("ANY", "/v1/relay/{route}/{path}", BodyKind.BYTES),
            Endpoint.of("ANY", "/v1/relay/{route}", BodyKind.BYTES),
            Endpoint.of("POST", "/v1/schedules", BodyKind.SCHEDULE),
            Endpoint.of("GET", "/v1/schedules", BodyKind.NONE),
            Endpoint.of("GET", "/v1/schedules/{id}", BodyKind.NONE),
            Endpoint.of("DELETE", "/v1/schedules/{id}", BodyKind.NONE),
            Endpoint.of("POST", "/v1/replays", BodyKind.REPLAY),
            Endpoint.of("GET", "/v1/replays/{id}", BodyKind.NONE));

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static EmbeddedKafkaBroker kafka;
    private static ServiceProcess cache;
    private static ServiceProcess accepter;
    private static List<String> invocationIds;

    @BeforeAll
    static void startTheStack() throws Exception {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(3, "courier.requests", "courier.results", "courier.failures", "courier.cache.changes");
        String bootstrap = kafka.bootstrapServers();
        cache = CourierStack.startCache("fuzz-cache", kafka);
        accepter = ServiceProcess.start(
                "fuzz-accepter",
                "courier.accepter.app",
                Map.of(
                        "kafka.bootstrap.servers",
                        bootstrap,
                        "courier.accepter.cache-url",
                        cache.baseUri().toString(),
                        // Waits bounded lower than by default so that a run stays within its time: a hostile
                        // Prefer: wait or a read of an id that was never issued costs at most a second.
                        "courier.accepter.wait.max",
                        "1s",
                        "courier.accepter.status-wait",
                        "1s"));
        AccepterApi api = new AccepterApi(accepter);
        invocationIds = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            invocationIds.add(api.accept("{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/fuzz\"},"
                    + "\"delaySeconds\":3600}"));
        }
        for (String id : invocationIds) {
            api.awaitStatus(id, "ACCEPTED");
        }
        for (String key : List.of("k1", "a/b/c", "ü")) {
            HttpResponse<String> stored = HTTP.send(
                    HttpRequest.newBuilder(URI.create(cache.baseUri() + "/v1/cache/fuzz/" + key.replace("ü", "%C3%BC")))
                            .PUT(HttpRequest.BodyPublishers.ofString("seed"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(stored.statusCode()).isEqualTo(201);
        }
    }

    @AfterAll
    static void stopTheStack() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {accepter, cache, kafka}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    @Order(1)
    void cacheServiceAnswersEveryHostileRequestWithoutA5xxOrALeak() throws Exception {
        List<String> ids = new ArrayList<>(invocationIds);
        ids.add("01ARZ3NDEKTSV4RRFFQ69G5FAV");
        fuzz(
                "cache-service",
                cache,
                CACHE_ENDPOINTS,
                Map.of(
                        "namespace",
                        List.of("fuzz", "fuzz-2", "a.b_c-d"),
                        "key",
                        List.of("k1", "a/b/c", "%C3%BC", "new"),
                        "id",
                        ids));
    }

    @Test
    @Order(2)
    void accepterServiceAnswersEveryHostileRequestWithoutA5xxOrALeak() throws Exception {
        fuzz(
                "accepter-service",
                accepter,
                ACCEPTER_ENDPOINTS,
                Map.of(
                        "id", invocationIds,
                        "route", List.of("billing", "orders", "r-1"),
                        "path", List.of("orders/42", "a", "a/b/c", "x%20y", "")));
    }

    /**
     * The auth gate, fuzzed: an accepter with authentication on (API keys and bearer JWTs from a real JWKS server on
     * 127.0.0.1) gets the accepter's hostile requests, each with a credential in front ({@link HostileCredentials}):
     * valid ones, so that part of them reach the endpoints as a tenant, and every kind of invalid one. Half the run's
     * size: the endpoints behind the gate were fuzzed above.
     */
    @Test
    @Order(3)
    void theAuthGateAnswersEveryHostileCredentialWithoutA5xxOrALeak() throws Exception {
        String apiKey = "fuzz-acme-key-not-a-secret";
        try (TestTokenIssuer issuer = TestTokenIssuer.start()) {
            Map<String, String> config = new HashMap<>(issuer.config());
            config.put("courier.auth.api-keys.acme.sha256", AuthenticationIT.sha256(apiKey));
            config.put("courier.auth.api-keys.acme.tenant", "acme");
            config.put("kafka.bootstrap.servers", kafka.bootstrapServers());
            config.put("courier.accepter.cache-url", cache.baseUri().toString());
            config.put("courier.accepter.wait.max", "1s");
            config.put("courier.accepter.status-wait", "1s");
            try (ServiceProcess guarded = ServiceProcess.start("fuzz-accepter-auth", "courier.accepter.app", config)) {
                fuzz(
                        "accepter-service with authentication",
                        guarded,
                        ACCEPTER_ENDPOINTS,
                        Map.of(
                                "id", invocationIds,
                                "route", List.of("billing", "orders"),
                                "path", List.of("orders/42", "a")),
                        requests -> requests.withCredentials(HostileCredentials.of(issuer, apiKey)),
                        Integer.getInteger("courier.fuzz.requests", DEFAULT_REQUESTS) / 2);
            }
        }
    }

    private static void fuzz(
            String name, ServiceProcess service, List<Endpoint> endpoints, Map<String, List<String>> valid)
            throws Exception {
        fuzz(
                name,
                service,
                endpoints,
                valid,
                UnaryOperator.identity(),
                Integer.getInteger("courier.fuzz.requests", DEFAULT_REQUESTS));
    }

    private static void fuzz(
            String name,
            ServiceProcess service,
            List<Endpoint> endpoints,
            Map<String, List<String>> valid,
            UnaryOperator<HostileRequests> shaped,
            int count)
            throws Exception {
        long seed = Long.getLong("courier.fuzz.seed", DEFAULT_SEED);
        long logFrom = Files.size(service.log());
        long started = System.nanoTime();

        Fuzzer.Report report = Fuzzer.run(
                service.baseUri().getPort(), shaped.apply(new HostileRequests(endpoints, valid)), count, seed);

        String summary =
                report.summary(name, seed) + String.format("  in %.1f s%n", (System.nanoTime() - started) / 1e9);
        System.out.println(summary);
        HttpResponse<String> ready = HTTP.send(
                HttpRequest.newBuilder(service.baseUri().resolve("/q/health/ready"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        List<String> logged = Fuzzer.loggedErrors(service.log(), logFrom);

        assertThat(report.sent.get()).isEqualTo(count);
        // Every finding fails the run, "no answer" too (a request neither malformed in its head nor short of a body
        // it announced that gets no answer in 30 s).
        assertThat(report.findingCounts).as(summary).isEmpty();
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(ready.body()).contains("\"UP\"");
        assertThat(logged)
                .as("errors and stack traces %s logged during the run (%s)", name, service.log())
                .isEmpty();
    }
}
