package dev.courier.cache;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import dev.courier.common.id.Ulid;
import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.cache.changes:3"))
class CacheApiTest {

    @Test
    void aValueIsStoredWithItsContentTypeReadDeletedAndGone() {
        String ns = namespace();
        String etag = given().contentType("text/plain")
                .body("hello")
                .put("/v1/cache/" + ns + "/greeting")
                .then()
                .statusCode(201)
                .header("ETag", matchesPattern("\"\\d+-\\d+\""))
                .header("Courier-Cache-Token", matchesPattern("\\d+:\\d+"))
                .extract()
                .header("ETag");

        given().get("/v1/cache/" + ns + "/greeting")
                .then()
                .statusCode(200)
                .contentType("text/plain")
                .header("ETag", etag)
                .body(equalTo("hello"));
        given().header("If-None-Match", etag)
                .get("/v1/cache/" + ns + "/greeting")
                .then()
                .statusCode(304);

        given().contentType("application/json")
                .body("{\"a\":1}")
                .post("/v1/cache/" + ns + "/greeting")
                .then()
                .statusCode(200);
        given().get("/v1/cache/" + ns + "/greeting")
                .then()
                .contentType("application/json")
                .body("a", equalTo(1));

        given().delete("/v1/cache/" + ns + "/greeting").then().statusCode(204);
        given().get("/v1/cache/" + ns + "/greeting").then().statusCode(404).contentType("application/problem+json");
        given().delete("/v1/cache/" + ns + "/greeting").then().statusCode(404);
    }

    @Test
    void keysMayContainSlashesAndAreListedByPrefixInPages() {
        String ns = namespace();
        for (String key : List.of("a/1", "a/2", "a/3", "b/1")) {
            given().body(key).put("/v1/cache/" + ns + "/" + key).then().statusCode(201);
        }
        given().get("/v1/cache/" + ns + "/a/2").then().statusCode(200).body(equalTo("a/2"));

        String cursor = given().queryParam("prefix", "a/")
                .queryParam("limit", 2)
                .get("/v1/cache/" + ns)
                .then()
                .statusCode(200)
                .body("keys", contains("a/1", "a/2"))
                .extract()
                .path("nextCursor");
        given().queryParam("prefix", "a/")
                .queryParam("limit", 2)
                .queryParam("cursor", cursor)
                .get("/v1/cache/" + ns)
                .then()
                .body("keys", contains("a/3"))
                .body("nextCursor", nullValue());
    }

    @Test
    void conditionalWritesAreDecidedByTheCurrentVersion() {
        String ns = namespace();
        String path = "/v1/cache/" + ns + "/k";
        String v1 = given().header("If-None-Match", "*")
                .body("1")
                .put(path)
                .then()
                .statusCode(201)
                .extract()
                .header("ETag");
        given().header("If-None-Match", "*").body("again").put(path).then().statusCode(412);

        String v2 = given().header("If-Match", v1)
                .body("2")
                .put(path)
                .then()
                .statusCode(200)
                .extract()
                .header("ETag");
        assertThat(v2).isNotEqualTo(v1);
        given().header("If-Match", v1)
                .body("stale")
                .put(path)
                .then()
                .statusCode(412)
                .contentType("application/problem+json");
        given().header("If-Match", v1).delete(path).then().statusCode(412);
        given().get(path).then().body(equalTo("2"));
        given().header("If-Match", v2).delete(path).then().statusCode(204);
    }

    @Test
    void twoConcurrentWritersWithTheSameIfMatchExactlyOneWins() throws Exception {
        String ns = namespace();
        String path = "/v1/cache/" + ns + "/contended";
        String v1 =
                given().body("start").put(path).then().statusCode(201).extract().header("ETag");
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Integer>> writers = new ArrayList<>();
        for (String value : List.of("left", "right")) {
            writers.add(CompletableFuture.supplyAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return given().header("If-Match", v1).body(value).put(path).statusCode();
            }));
        }
        go.countDown();
        List<Integer> statuses =
                writers.stream().map(CompletableFuture::join).sorted().toList();

        assertThat(statuses).containsExactly(200, 412);
        assertThat(given().get(path).asString()).isIn("left", "right");
    }

    @Test
    void aValueWithATtlExpires() throws Exception {
        String ns = namespace();
        long written = System.nanoTime();
        given().body("short-lived")
                .put("/v1/cache/" + ns + "/ttl?ttlSeconds=1")
                .then()
                .statusCode(201);
        given().get("/v1/cache/" + ns + "/ttl").then().statusCode(200);

        // Await the expiry rather than sleep past it; it must not come before the TTL.
        long deadline = written + java.time.Duration.ofSeconds(10).toNanos();
        while (given().get("/v1/cache/" + ns + "/ttl").statusCode() == 200 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        long goneAfterMs = (System.nanoTime() - written) / 1_000_000;
        given().get("/v1/cache/" + ns + "/ttl").then().statusCode(404);
        assertThat(goneAfterMs).as("readable until its TTL ran out").isGreaterThanOrEqualTo(1000);
        given().header("If-None-Match", "*")
                .body("new")
                .put("/v1/cache/" + ns + "/ttl")
                .then()
                .statusCode(201);
    }

    @Test
    void eachLimitHasItsOwnClearStatus() {
        String ns = namespace();
        char[] longKey = new char[513];
        Arrays.fill(longKey, 'k');
        problem(given().body("x").put("/v1/cache/" + ns + "/" + new String(longKey)), 414, "key");

        byte[] big = new byte[1_000_001];
        problem(
                given().contentType("application/octet-stream").body(big).put("/v1/cache/" + ns + "/big"),
                413,
                "value");

        problem(given().body("x").put("/v1/cache/bad%20namespace/k"), 400, "namespace");
        problem(given().body("x").put("/v1/cache/" + ns + "/k?ttlSeconds=soon"), 400, "ttlSeconds");
        problem(
                given().header("If-None-Match", "\"1-1\"").body("x").put("/v1/cache/" + ns + "/k"),
                400,
                "If-None-Match");

        for (int i = 0; i < 25; i++) {
            given().body("v").put("/v1/cache/" + ns + "/fill-" + i).then().statusCode(201);
        }
        problem(given().body("v").put("/v1/cache/" + ns + "/one-too-many"), 409, "namespace");
        given().body("replaced").put("/v1/cache/" + ns + "/fill-0").then().statusCode(200);
    }

    @Test
    void aBulkWriteDecidesEachWriteAsItsOwnPutWouldInTheOrderSent() {
        String ns = namespace();
        String taken = given().body("first")
                .put("/v1/cache/" + ns + "/taken")
                .then()
                .statusCode(201)
                .extract()
                .header("ETag");
        String bytes = java.util.Base64.getEncoder().encodeToString("bytes".getBytes());
        Response bulk = given().contentType("application/json")
                .body("{\"writes\": ["
                        + "{\"key\": \"a\", \"value\": \"1\", \"ifNoneMatch\": \"*\"},"
                        + "{\"key\": \"taken\", \"value\": \"again\", \"ifNoneMatch\": \"*\"},"
                        + "{\"key\": \"dir/b\", \"valueBase64\": \"" + bytes + "\", \"contentType\": \"text/plain\","
                        + " \"ttlSeconds\": 600},"
                        + "{\"key\": \"taken\", \"value\": \"stale\", \"ifMatch\": \"\\\"0-999999\\\"\"},"
                        + "{\"key\": \"taken\", \"value\": \"second\", \"ifMatch\": " + quotedJson(taken) + "},"
                        + "{\"key\": \"twice\", \"value\": \"one\", \"ifNoneMatch\": \"*\"},"
                        + "{\"key\": \"twice\", \"value\": \"two\", \"ifNoneMatch\": \"*\"}"
                        + "]}")
                .post("/v1/cache/" + ns);
        bulk.then()
                .statusCode(200)
                .body("results.key", contains("a", "taken", "dir/b", "taken", "taken", "twice", "twice"))
                .body("results.status", contains(201, 412, 201, 412, 200, 201, 412))
                .body("results[1].type", equalTo("precondition-failed"))
                .body("results[0].etag", matchesPattern("\"\\d+-\\d+\""))
                .body("results[0].token", matchesPattern("\\d+:\\d+"));

        // Each write is readable as a PUT's would be, its token giving read-your-writes.
        given().header("Courier-Cache-Min-Token", bulk.path("results[0].token"))
                .get("/v1/cache/" + ns + "/a")
                .then()
                .statusCode(200)
                .header("ETag", (String) bulk.path("results[0].etag"))
                .body(equalTo("1"));
        given().get("/v1/cache/" + ns + "/dir/b")
                .then()
                .statusCode(200)
                .contentType("text/plain")
                .body(equalTo("bytes"));
        given().get("/v1/cache/" + ns + "/taken").then().statusCode(200).body(equalTo("second"));
        given().get("/v1/cache/" + ns + "/twice").then().statusCode(200).body(equalTo("one"));
    }

    @Test
    void aMalformedBulkWriteNamesTheFieldAndWritesNothing() {
        String ns = namespace();
        problem(
                given().contentType("application/json")
                        .body("{\"writes\": [{\"key\": \"fine\", \"value\": \"1\"},"
                                + " {\"key\": \"both\", \"value\": \"1\", \"valueBase64\": \"MQ==\"}]}")
                        .post("/v1/cache/" + ns),
                400,
                "writes[1].value");
        given().get("/v1/cache/" + ns + "/fine").then().statusCode(404);

        problem(
                given().contentType("application/json").body("{\"writes\": []}").post("/v1/cache/" + ns),
                400,
                "writes");
        problem(
                given().contentType("application/json")
                        .body("{\"writes\": [{\"value\": \"1\"}]}")
                        .post("/v1/cache/" + ns),
                400,
                "writes[0].key");
        problem(
                given().contentType("application/json")
                        .body("{\"writes\": [{\"key\": \"k\", \"valueBase64\": \"not base64!\"}]}")
                        .post("/v1/cache/" + ns),
                400,
                "writes[0].valueBase64");
        problem(
                given().contentType("application/json")
                        .body("{\"writes\": [{\"key\": \"k\", \"value\": \"1\", \"ttlSeconds\": 0}]}")
                        .post("/v1/cache/" + ns),
                400,
                "writes[0].ttlSeconds");
        given().get("/v1/cache/" + ns + "/k").then().statusCode(404);
    }

    @Test
    void aReadWithTheTokenOfAWriteSeesThatWrite() {
        String ns = namespace();
        for (int i = 0; i < 20; i++) {
            String token = given().body("v" + i)
                    .put("/v1/cache/" + ns + "/ryw")
                    .then()
                    .statusCode(i == 0 ? 201 : 200)
                    .extract()
                    .header("Courier-Cache-Token");
            given().header("Courier-Cache-Min-Token", token)
                    .get("/v1/cache/" + ns + "/ryw")
                    .then()
                    .statusCode(200)
                    .body(equalTo("v" + i));
        }
        Response farFuture =
                given().header("Courier-Cache-Min-Token", "0:999999999").get("/v1/cache/" + ns + "/ryw");
        farFuture.then().statusCode(503).header("Retry-After", notNullValue());
    }

    @Test
    void plainAndPercentEncodedKeysReadAlikeAndReadsAreCountedUnderOneUri() {
        String ns = namespace();
        given().contentType("text/plain").body("plain").put("/v1/cache/" + ns + "/dir/plain");
        given().contentType("text/plain").body("spaced").put("/v1/cache/" + ns + "/dir/with space");

        String etag = given().get("/v1/cache/" + ns + "/dir/plain")
                .then()
                .statusCode(200)
                .contentType("text/plain")
                .body(equalTo("plain"))
                .extract()
                .header("ETag");
        given().header("If-None-Match", etag)
                .get("/v1/cache/" + ns + "/dir/plain")
                .then()
                .statusCode(304)
                .header("ETag", etag);
        given().get("/v1/cache/" + ns + "/dir/with space") // sent as with%20space
                .then()
                .statusCode(200)
                .contentType("text/plain")
                .body(equalTo("spaced"));

        // One time series for every key, never one per key.
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("uri=\"/v1/cache/{namespace}/{key: .+}\""))
                .body(not(containsString(ns)));
    }

    /** {@code etag} (quotes included) as a JSON string. */
    private static String quotedJson(String etag) {
        return "\"" + etag.replace("\"", "\\\"") + "\"";
    }

    private static void problem(Response response, int status, String field) {
        response.then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("errors.field", hasItem(field));
    }

    private static String namespace() {
        return "t-" + Ulid.next().toLowerCase();
    }
}
