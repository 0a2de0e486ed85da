package dev.courier.cache.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.courier.common.id.Ulid;
import dev.courier.common.status.StatusEvent;
import dev.courier.security.AccessGate;
import dev.courier.testing.auth.InjectTokenIssuer;
import dev.courier.testing.auth.TestTokenIssuer;
import dev.courier.testing.auth.TokenIssuerResource;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

/**
 * cache-service with authentication on (API keys configured by their SHA-256, bearer JWTs from a real JWKS server on
 * 127.0.0.1, signed in the test), on a real broker: who may call at all, that each tenant's namespaces are its own,
 * that Courier's own namespaces and the status read model are for the service identity only, and that a status read
 * for one tenant does not show another's invocation.
 */
@QuarkusTest
@TestProfile(CacheAuthTest.Keys.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs =
                @ResourceArg(
                        name = KafkaBrokerResource.TOPICS,
                        value = "courier.cache.changes:3,courier.requests:3,courier.results:3,courier.failures:3,"
                                + "courier.delay.1s:1,courier.delay.10s:1,courier.delay.1m:1,courier.delay.10m:1,"
                                + "courier.delay.1h:1"))
@WithTestResource(TokenIssuerResource.class)
class CacheAuthTest {
    static final String ACME_KEY = "acme-test-key-not-a-secret";
    static final String GLOBEX_KEY = "globex-test-key-not-a-secret";
    static final String SERVICE_KEY = "courier-service-test-key-not-a-secret";

    /** The keys as an operator configures them: by their SHA-256, never the key itself. */
    public static class Keys implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "courier.auth.jwt.service-group",
                    "courier-service",
                    "courier.auth.api-keys.acme.sha256",
                    sha256(ACME_KEY),
                    "courier.auth.api-keys.acme.tenant",
                    "acme",
                    "courier.auth.api-keys.globex.sha256",
                    sha256(GLOBEX_KEY),
                    "courier.auth.api-keys.globex.tenant",
                    "globex",
                    "courier.auth.service-key-sha256",
                    sha256(SERVICE_KEY));
        }
    }

    @InjectTokenIssuer
    TestTokenIssuer issuer;

    @InjectKafkaBroker
    EmbeddedKafkaBroker kafka;

    @Test
    void withoutAValidCredentialEveryPathButHealthIs401ProblemJson() {
        String ns = namespace();
        as(SERVICE_KEY).body("v").put("/v1/cache/" + ns + "/k").then().statusCode(201);

        // The hot read path (a value this instance holds) refuses as the REST layer does.
        for (Response response : new Response[] {
            given().get("/v1/cache/" + ns + "/k"),
            given().body("v").put("/v1/cache/" + ns + "/k"),
            given().get("/v1/cache/" + ns),
            given().get("/v1/status/" + Ulid.next()),
            given().header(AccessGate.API_KEY_HEADER, "not-a-key").get("/v1/cache/" + ns + "/k"),
            bearer(issuer.expired("acme")).get("/v1/cache/" + ns + "/k"),
            bearer(issuer.signedByStranger("acme")).get("/v1/cache/" + ns + "/k"),
            bearer(issuer.fromOtherIssuer("acme")).get("/v1/cache/" + ns + "/k"),
            bearer("not.a.jwt").get("/v1/cache/" + ns + "/k"),
            bearer(issuer.token(Map.of("sub", "no-tenant"))).get("/v1/cache/" + ns + "/k")
        }) {
            response.then()
                    .statusCode(401)
                    .contentType("application/problem+json")
                    .header("WWW-Authenticate", containsString("Bearer"))
                    .body("type", equalTo("urn:courier:problem:unauthorized"))
                    .body("status", equalTo(401));
            assertThat(response.asString()).doesNotContain("not-a-key");
        }
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200);
    }

    @Test
    void aTenantsNamespacesAreItsOwnWhetherItCallsWithAnApiKeyOrAJwt() {
        String ns = namespace();
        as(ACME_KEY)
                .contentType("text/plain")
                .body("acme's")
                .put("/v1/cache/" + ns + "/k")
                .then()
                .statusCode(201);

        // The same tenant with a JWT reads it, on the hot path and through the REST layer (a list).
        bearer(issuer.token("acme"))
                .get("/v1/cache/" + ns + "/k")
                .then()
                .statusCode(200)
                .body(equalTo("acme's"));
        bearer(issuer.token("acme"))
                .get("/v1/cache/" + ns)
                .then()
                .statusCode(200)
                .body("keys", contains("k"));

        // Another tenant does not see it, and its own value under the same name is another entry.
        as(GLOBEX_KEY).get("/v1/cache/" + ns + "/k").then().statusCode(404);
        bearer(issuer.token("globex")).get("/v1/cache/" + ns + "/k").then().statusCode(404);
        as(GLOBEX_KEY).get("/v1/cache/" + ns).then().statusCode(200).body("keys.size()", equalTo(0));
        as(GLOBEX_KEY).delete("/v1/cache/" + ns + "/k").then().statusCode(404);
        as(GLOBEX_KEY)
                .contentType("text/plain")
                .body("globex's")
                .put("/v1/cache/" + ns + "/k")
                .then()
                .statusCode(201);
        as(GLOBEX_KEY).get("/v1/cache/" + ns + "/k").then().statusCode(200).body(equalTo("globex's"));
        as(ACME_KEY).get("/v1/cache/" + ns + "/k").then().statusCode(200).body(equalTo("acme's"));
        // The answers name the namespace as the caller did.
        as(ACME_KEY).get("/v1/cache/" + ns).then().body("namespace", equalTo(ns));
        // No caller can spell another tenant's stored name.
        as(ACME_KEY).get("/v1/cache/globex~" + ns + "/k").then().statusCode(400);
    }

    @Test
    void courierNamespacesAreForTheServiceIdentityOnly() {
        String key = Ulid.next();
        for (RequestSpecification tenant : new RequestSpecification[] {as(ACME_KEY), bearer(issuer.token("acme"))}) {
            tenant.body("{}")
                    .put("/v1/cache/courier.lanes/" + key)
                    .then()
                    .statusCode(403)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:courier:problem:forbidden"));
        }
        as(ACME_KEY).delete("/v1/cache/courier.cancellations/" + key).then().statusCode(403);
        as(ACME_KEY).get("/v1/cache/courier.idempotency").then().statusCode(403);

        as(SERVICE_KEY).body("{}").put("/v1/cache/courier.lanes/" + key).then().statusCode(201);
        as(SERVICE_KEY).get("/v1/cache/courier.lanes/" + key).then().statusCode(200);
        // Also on the hot path: a tenant reading a value that exists.
        as(ACME_KEY).get("/v1/cache/courier.lanes/" + key).then().statusCode(403);
        // A JWT in Courier's service group is the service identity too.
        bearer(issuer.token(Map.of("groups", java.util.List.of("courier-service"))))
                .get("/v1/cache/courier.lanes/" + key)
                .then()
                .statusCode(200);
    }

    @Test
    void theStatusReadModelIsForTheServiceAndShowsATenantOnlyItsOwn() throws Exception {
        String id = Ulid.next();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(
                    "courier.requests",
                    id,
                    ("{\"id\":\"" + id + "\",\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"}}")
                            .getBytes(StandardCharsets.UTF_8));
            record.headers()
                    .add(
                            StatusEvent.HEADER,
                            StatusEvent.accepted(id, Instant.now(), id, "acme").encode());
            producer.send(record).get(30, TimeUnit.SECONDS);
        }
        as(SERVICE_KEY)
                .header(StatusResource.WAIT, "20000")
                .get("/v1/status/" + id + "?tenant=acme")
                .then()
                .statusCode(200)
                .body("status", equalTo("ACCEPTED"));

        // Another tenant's read waits as long as for an unknown id, and is answered the same.
        long started = System.nanoTime();
        Response other = as(SERVICE_KEY).header(StatusResource.WAIT, "600").get("/v1/status/" + id + "?tenant=globex");
        Response unknown =
                as(SERVICE_KEY).header(StatusResource.WAIT, "600").get("/v1/status/" + Ulid.next() + "?tenant=globex");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(1200));
        for (Response response : new Response[] {other, unknown}) {
            response.then()
                    .statusCode(404)
                    .contentType("application/problem+json")
                    .body("type", equalTo("urn:courier:problem:not-found"));
        }
        as(SERVICE_KEY)
                .post("/v1/status/" + id + "/cancel?tenant=globex")
                .then()
                .statusCode(404);
        // The default tenant does not own it either.
        as(SERVICE_KEY).get("/v1/status/" + id + "?tenant=default").then().statusCode(404);

        as(ACME_KEY).get("/v1/status/" + id).then().statusCode(403).contentType("application/problem+json");
        as(ACME_KEY).post("/v1/status/" + id + "/cancel").then().statusCode(403);
        as(SERVICE_KEY)
                .post("/v1/status/" + id + "/cancel?tenant=acme")
                .then()
                .statusCode(200)
                .body("status", equalTo("CANCELLED"));
    }

    private static RequestSpecification as(String apiKey) {
        return given().header(AccessGate.API_KEY_HEADER, apiKey);
    }

    private static RequestSpecification bearer(String token) {
        return given().header("Authorization", "Bearer " + token);
    }

    private static String namespace() {
        return "auth-" + Ulid.next().toLowerCase();
    }

    static String sha256(String key) {
        return HexFormat.of().formatHex(AccessGate.sha256(key));
    }
}
