package dev.courier.cache;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;

import dev.courier.cache.config.CacheConfig;
import dev.courier.cache.log.CacheChange;
import dev.courier.cache.state.StateDb;
import dev.courier.cache.store.CacheStore;
import dev.courier.cache.store.Decision;
import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A change-log follower that ends on an error no retry survives (the {@link OutOfMemoryError} of a heap too small for
 * what the log holds, seen in the benchmark) must not leave an instance that still answers while its state no longer
 * moves: liveness goes DOWN, naming the loop, so that the orchestrator restarts it, and readiness goes DOWN with it.
 */
@QuarkusTest
@TestProfile(FollowerFailureTest.Failing.class)
class FollowerFailureTest {
    private static final String POISON = "poison";
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** The cache-service with {@link FailingStore} in place of the store. */
    public static class Failing implements QuarkusTestProfile {
        @Override
        public Set<Class<?>> getEnabledAlternatives() {
            return Set.of(FailingStore.class);
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("courier.cache.write-timeout", "1s");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(
                    KafkaBrokerResource.class, Map.of(KafkaBrokerResource.TOPICS, "courier.cache.changes:1")));
        }
    }

    /** The real store, except that applying a change to key {@value #POISON} throws an {@link OutOfMemoryError}. */
    @Alternative
    @Singleton
    public static class FailingStore extends CacheStore {
        public FailingStore(StateDb db, CacheConfig config) {
            super(db, config);
        }

        @Override
        public Decision apply(StateDb.Batch batch, CacheChange change, int partition, long offset, Instant at) {
            if (POISON.equals(change.key())) {
                throw new OutOfMemoryError("simulated by the test: the heap is too small for the change log");
            }
            return super.apply(batch, change, partition, offset, at);
        }
    }

    @Test
    void aFollowerThatEndsOnAnErrorMakesTheInstanceNeitherLiveNorReady() throws InterruptedException {
        given().contentType("text/plain")
                .body("v")
                .put("/v1/cache/failure/healthy")
                .then()
                .statusCode(201);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);

        // Its decision never comes (the follower is gone), so the write itself times out; what matters is health.
        given().contentType("text/plain").body("v").put("/v1/cache/failure/" + POISON);

        Response live = awaitStatus("/q/health/live", 503);
        assertThat(live.jsonPath().getList("checks.findAll { it.name == 'courier-consumer-loops' }.status"))
                .containsExactly("DOWN");
        assertThat(
                        live.jsonPath()
                                .getBoolean(
                                        "checks.find { it.name == 'courier-consumer-loops' }.data.'courier-cache-log-follower'"))
                .isFalse();
        Response ready = awaitStatus("/q/health/ready", 503);
        assertThat(ready.jsonPath().getString("checks.find { it.name == 'courier-cache-replay' }.status"))
                .isEqualTo("DOWN");
    }

    private static Response awaitStatus(String path, int status) throws InterruptedException {
        Instant deadline = Instant.now().plus(WAIT);
        Response response = given().get(path);
        while (response.statusCode() != status && Instant.now().isBefore(deadline)) {
            Thread.sleep(100);
            response = given().get(path);
        }
        assertThat(response.statusCode())
                .as("%s answered %s", path, response.asString())
                .isEqualTo(status);
        return response;
    }
}
