package dev.courier.cache;

import java.util.Map;

import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.cache.changes:3"))
class ServiceHealthTest {

    @Test
    void theServiceIsLiveAndReadyOnceTheLogIsReplayed() {
        given().get("/q/health/live")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body(
                        "checks.find { it.name == 'courier-consumer-loops' }.data",
                        equalTo(Map.of("courier-cache-log-follower", true, "courier-cache-status-projector", true)));
        given().get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("status", equalTo("UP"))
                .body(containsString("courier-cache-replay"));
    }

    @Test
    void prometheusMetricsAreExposed() {
        given().put("/v1/cache/health/k").then().statusCode(201);
        given().get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("jvm_memory_used_bytes{"))
                .body(containsString("courier_cache_entries"))
                .body(containsString("courier_cache_replication_lag_seconds_bucket"))
                .body(containsString("courier_cache_requests_total{operation=\"put\",result=\"201\"}"));
    }
}
