package dev.courier.accepter.tenancy;

import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.common.status.StatusEvent;
import dev.courier.security.AccessGate;
import dev.courier.testing.auth.InjectTokenIssuer;
import dev.courier.testing.auth.TestTokenIssuer;
import dev.courier.testing.auth.TokenIssuerResource;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;

/**
 * The accepter with authentication on, on a real broker: API keys configured by their SHA-256 and bearer JWTs from a
 * real JWKS server on 127.0.0.1 (an RSA key made in the test). Who may submit at all (401 problem documents), that
 * the tenant comes from the credential and travels on the record and its status event, and each tenant's policy:
 * targets outside it (403 naming the field), over its rate (429 with Retry-After), over its size (413).
 * cache-service is not running here: status reads and idempotency keys per tenant are e2e {@code AuthenticationIT}.
 */
@QuarkusTest
@TestProfile(AccepterAuthTest.Tenants.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
@WithTestResource(TokenIssuerResource.class)
class AccepterAuthTest {
    static final String ACME_KEY = "acme-test-key-not-a-secret";
    static final String DEFAULT_KEY = "default-tenant-test-key-not-a-secret";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** API keys by their hashes, and three tenants' policies. */
    public static class Tenants implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("courier.accepter.cache-url", "http://127.0.0.1:1");
            config.put("courier.auth.api-keys.acme.sha256", sha256(ACME_KEY));
            config.put("courier.auth.api-keys.acme.tenant", "acme");
            config.put("courier.auth.api-keys.house.sha256", sha256(DEFAULT_KEY));
            config.put("courier.accepter.tenants.acme.allowed-hosts", "*.acme.test,acme.test");
            config.put("courier.accepter.tenants.acme.allowed-routes", "orders-*");
            config.put("courier.accepter.tenants.acme.allowed-functions", "ocid1.fnfunc.oc1.phx.acme*");
            config.put("courier.accepter.tenants.slow.rate-per-second", "0.2");
            config.put("courier.accepter.tenants.slow.burst", "2");
            config.put("courier.accepter.tenants.small.max-request-bytes", "300");
            return config;
        }
    }

    @InjectTokenIssuer
    TestTokenIssuer issuer;

    @InjectKafkaBroker
    EmbeddedKafkaBroker kafka;

    KafkaTestClient client;

    @BeforeEach
    void connect() {
        client = new KafkaTestClient(kafka.bootstrapServers());
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @Test
    void withoutAValidCredentialNothingIsAcceptedAndTheAnswerIsA401ProblemDocument() {
        String id = Ulid.next();
        for (Response response : new Response[] {
            given().contentType("application/json")
                    .body(request("https://api.acme.test/x"))
                    .post("/v1/invocations"),
            given().contentType("application/json").body("{\"requests\":[]}").post("/v1/invocations/batch"),
            given().get("/v1/invocations/" + id),
            given().delete("/v1/invocations/" + id),
            given().post("/v1/relay/orders-eu/x"),
            bearer(issuer.signedByStranger("acme"))
                    .contentType("application/json")
                    .body(request("https://acme.test/"))
                    .post("/v1/invocations"),
            bearer(issuer.expired("acme"))
                    .contentType("application/json")
                    .body(request("https://acme.test/"))
                    .post("/v1/invocations"),
            bearer(issuer.fromOtherIssuer("acme"))
                    .contentType("application/json")
                    .body(request("https://acme.test/"))
                    .post("/v1/invocations"),
            key("not-a-key")
                    .contentType("application/json")
                    .body(request("https://acme.test/"))
                    .post("/v1/invocations")
        }) {
            response.then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer"))
                    .body("type", equalTo("urn:courier:problem:unauthorized"))
                    .body("status", equalTo(401))
                    .body("correlationId", matchesPattern(".+"));
        }
        // Nothing of any of them reached Kafka; health and metrics stay open for probes.
        assertThat(client.readAll("courier.requests")).noneMatch(r -> new String(r.value()).contains("acme.test"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200);
    }

    @Test
    void theTenantComesFromTheCredentialAndTravelsOnTheRecordAndItsStatusEvent() throws Exception {
        String byJwt = accepted(bearer(issuer.token("acme")), request("https://api.acme.test/orders"));
        String byKey = accepted(key(ACME_KEY), request("https://acme.test/orders"));
        for (String id : new String[] {byJwt, byKey}) {
            ConsumerRecord<String, byte[]> record = client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT);
            assertThat(JSON.readTree(record.value()).path("tenant").asText()).isEqualTo("acme");
            StatusEvent event = StatusEvent.decode(
                    record.headers().lastHeader(StatusEvent.HEADER).value());
            assertThat(event.tenant()).isEqualTo("acme");
        }
        // The default tenant's records are as they were before tenants: no tenant field, no tenant in the event.
        String house = accepted(key(DEFAULT_KEY), request("https://example.com/"));
        ConsumerRecord<String, byte[]> record = client.awaitOne("courier.requests", r -> house.equals(r.key()), WAIT);
        assertThat(JSON.readTree(record.value()).has("tenant")).isFalse();
        assertThat(StatusEvent.decode(
                                record.headers().lastHeader(StatusEvent.HEADER).value())
                        .tenant())
                .isNull();

        // A caller cannot name a tenant of its own choosing.
        key(DEFAULT_KEY)
                .contentType("application/json")
                .body("{\"tenant\":\"acme\",\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"}}")
                .post("/v1/invocations")
                .then()
                .statusCode(422)
                .body("errors[0].field", equalTo("tenant"));
    }

    @Test
    void aTargetOutsideTheTenantsPolicyIs403NamingTheFieldAndIsNotStored() {
        String outside = "{\"target\":{\"type\":\"http\",\"url\":\"https://evil.test/steal\"},\"body\":{\"marker\":\""
                + Ulid.next() + "\"}}";
        refused(bearer(issuer.token("acme")), outside, 403, "target.url");
        refused(
                key(ACME_KEY),
                "{\"target\":{\"type\":\"http\",\"url\":\"https://acme.test.evil.test/\"}}",
                403,
                "target.url");
        refused(
                key(ACME_KEY),
                "{\"target\":{\"type\":\"function\",\"functionId\":\"ocid1.fnfunc.oc1.phx.other\"}}",
                403,
                "target.functionId");
        refused(key(ACME_KEY), "{\"target\":{\"type\":\"http\",\"route\":\"billing\"}}", 403, "target.route");
        key(ACME_KEY)
                .post("/v1/relay/billing/x")
                .then()
                .statusCode(403)
                .body("errors[0].field", equalTo("target.route"));
        // In a batch, the item alone is refused.
        key(ACME_KEY)
                .contentType("application/json")
                .body("{\"requests\":[" + outside + "," + request("https://acme.test/") + "]}")
                .post("/v1/invocations/batch")
                .then()
                .statusCode(202)
                .body("accepted", equalTo(1))
                .body("results[0].problem.status", equalTo(403))
                .body("results[0].problem.errors[0].field", equalTo("target.url"));
        assertThat(client.readAll("courier.requests")).noneMatch(r -> new String(r.value()).contains("evil.test"));

        // Inside it: a host pattern, a route pattern, a function pattern.
        accepted(key(ACME_KEY), "{\"target\":{\"type\":\"http\",\"route\":\"orders-eu\"}}");
        accepted(key(ACME_KEY), "{\"target\":{\"type\":\"function\",\"functionId\":\"ocid1.fnfunc.oc1.phx.acme1\"}}");
        // Another tenant has no such policy.
        accepted(bearer(issuer.token("globex")), "{\"target\":{\"type\":\"http\",\"url\":\"https://evil.test/\"}}");
    }

    @Test
    void aRelayedCallNeverPassesOnTheCredentialGivenToCourier() throws Exception {
        // A bearer token for Courier: not passed on.
        String byJwt = relayed(bearer(issuer.token("acme")).header("X-Trace", "1"));
        JsonNode headers = recordOf(byJwt).path("headers");
        assertThat(headers.has("Authorization")).isFalse();
        assertThat(headers.path("X-Trace").asText()).isEqualTo("1");
        // An API key for Courier, and an Authorization for the target: the key stays here, the rest goes on (sealed).
        String byKey = relayed(key(ACME_KEY).header("Authorization", "Basic dGFyZ2V0OnNlY3JldA=="));
        JsonNode record = recordOf(byKey);
        assertThat(record.toString()).doesNotContain(ACME_KEY);
        assertThat(record.path("headers").path("Authorization").asText()).startsWith("enc:");
    }

    private String relayed(RequestSpecification as) {
        Response response = as.post("/v1/relay/orders-eu/x");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(202);
        return response.path("id");
    }

    private JsonNode recordOf(String id) throws Exception {
        return JSON.readTree(client.awaitOne("courier.requests", r -> id.equals(r.key()), WAIT)
                .value());
    }

    @Test
    void aTenantsScheduleIsHeldToItsPolicyWhenCreated() {
        // Outside acme's policy: 403 naming the template's field, refused before anything is stored.
        for (String target : new String[] {
            "{\"type\":\"http\",\"url\":\"https://evil.test/steal\"}", "{\"type\":\"http\",\"route\":\"billing\"}"
        }) {
            key(ACME_KEY)
                    .contentType("application/json")
                    .body("{\"cron\":\"*/2 * * * * ?\",\"request\":{\"target\":" + target + "}}")
                    .post("/v1/schedules")
                    .then()
                    .statusCode(403)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:courier:problem:forbidden"))
                    .body("errors[0].field", matchesPattern("request\\.target\\.(url|route)"));
        }
        // Inside it, and for another tenant without a policy: schedules are no longer the default tenant's alone. Each
        // gets as far as storing it, which fails here (no cache-service) with 503, not 403.
        for (RequestSpecification as : new RequestSpecification[] {key(ACME_KEY), bearer(issuer.token("globex"))}) {
            as.contentType("application/json")
                    .body("{\"cron\":\"*/2 * * * * ?\",\"request\":" + request("https://api.acme.test/tick") + "}")
                    .post("/v1/schedules")
                    .then()
                    .statusCode(503)
                    .body("detail", containsString("cache-service"));
        }
        bearer(issuer.token("globex")).get("/v1/schedules").then().statusCode(503);
        given().get("/v1/schedules").then().statusCode(401);
    }

    @Test
    void aTenantOverItsRateIs429WithRetryAfter() {
        RequestSpecification slow = bearer(issuer.token("slow"));
        accepted(slow, request("https://example.com/1"));
        accepted(bearer(issuer.token("slow")), request("https://example.com/2"));
        Response over = bearer(issuer.token("slow"))
                .contentType("application/json")
                .body(request("https://example.com/3"))
                .post("/v1/invocations");
        over.then()
                .statusCode(429)
                .contentType("application/problem+json")
                .body("type", equalTo("urn:courier:problem:too-many-requests"));
        int retryAfter = Integer.parseInt(over.header("Retry-After"));
        assertThat(retryAfter).isBetween(1, 5);
        // Other tenants are not held back.
        accepted(bearer(issuer.token("globex")), request("https://example.com/4"));
    }

    @Test
    void aScheduleWhoseFiresWouldBeOverTheTenantsSizeIs413WhenCreated() {
        String large = "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"},\"body\":\"" + "x".repeat(400)
                + "\"}";
        bearer(issuer.token("small"))
                .contentType("application/json")
                .body("{\"cron\":\"*/2 * * * * ?\",\"request\":" + large + "}")
                .post("/v1/schedules")
                .then()
                .statusCode(413)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo("request.body"));
        // Within the size, and the same template for a tenant without one: as far as storing it (503, no
        // cache-service here).
        bearer(issuer.token("small"))
                .contentType("application/json")
                .body("{\"cron\":\"*/2 * * * * ?\",\"request\":" + request("https://example.com/") + "}")
                .post("/v1/schedules")
                .then()
                .statusCode(503);
        bearer(issuer.token("globex"))
                .contentType("application/json")
                .body("{\"cron\":\"*/2 * * * * ?\",\"request\":" + large + "}")
                .post("/v1/schedules")
                .then()
                .statusCode(503);
    }

    @Test
    void aRequestOverTheTenantsSizeIs413() {
        String large = "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"},\"body\":\"" + "x".repeat(400)
                + "\"}";
        refused(bearer(issuer.token("small")), large, 413, "body");
        accepted(bearer(issuer.token("small")), request("https://example.com/"));
        accepted(bearer(issuer.token("globex")), large);
    }

    private static void refused(RequestSpecification as, String body, int status, String field) {
        as.contentType("application/json")
                .body(body)
                .post("/v1/invocations")
                .then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("errors[0].field", equalTo(field));
    }

    private static String accepted(RequestSpecification as, String body) {
        Response response = as.contentType("application/json").body(body).post("/v1/invocations");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(202);
        return response.path("id");
    }

    private static String request(String url) {
        return "{\"target\":{\"type\":\"http\",\"url\":\"" + url + "\"}}";
    }

    private static RequestSpecification key(String apiKey) {
        return given().header(AccessGate.API_KEY_HEADER, apiKey);
    }

    private static RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    static String sha256(String key) {
        return HexFormat.of().formatHex(AccessGate.sha256(key));
    }
}
