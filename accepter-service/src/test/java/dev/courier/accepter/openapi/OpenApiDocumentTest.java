package dev.courier.accepter.openapi;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.kafka.KafkaBrokerResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The OpenAPI document at {@code /q/openapi} describes what the intake endpoints take and answer. */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class OpenApiDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    JsonNode document;

    @BeforeEach
    void fetch() throws Exception {
        document = JSON.readTree(given().queryParam("format", "json")
                .get("/q/openapi")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }

    @Test
    void postingAnInvocationTakesAnInvocationRequestAndAnswersAnAcceptance() {
        JsonNode post = document.at("/paths/~1v1~1invocations/post");
        assertThat(post.at("/requestBody/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/InvocationRequest");
        assertThat(post.at("/requestBody/required").asBoolean()).isTrue();
        assertThat(post.at("/responses/202/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/Acceptance");
        assertThat(post.at("/responses/422/content/application~1problem+json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/Problem");
        assertThat(post.at("/responses/200/description").asText()).contains("Prefer: wait");

        JsonNode request = document.at("/components/schemas/InvocationRequest/properties");
        assertThat(names(request))
                .contains(
                        "target",
                        "headers",
                        "query",
                        "body",
                        "bodyBase64",
                        "callback",
                        "deliverAt",
                        "timeoutSeconds",
                        "retry",
                        "orderingKey",
                        "idempotencyKey",
                        "recordResponse");
        assertThat(names(document.at("/components/schemas/Target/properties")))
                .contains("type", "url", "method", "route", "path", "functionId");
        assertThat(document.at("/components/schemas/InvocationRequest/properties/timeoutSeconds/maximum")
                        .asInt())
                .isEqualTo(3600);
        // body is any JSON value, not Jackson's JsonNode getters.
        String body = document.at("/components/schemas/InvocationRequest/properties/body/$ref")
                .asText();
        assertThat(body).isEqualTo("#/components/schemas/JsonValue");
        assertThat(document.at("/components/schemas/JsonValue").has("properties"))
                .isFalse();
    }

    @Test
    void aBatchTakesRequestsAndAnswersOneResultEach() {
        JsonNode post = document.at("/paths/~1v1~1invocations~1batch/post");
        JsonNode requests = post.at("/requestBody/content/application~1json/schema/properties/requests");
        // The items are the InvocationRequest schema: written out in place, or (once other schemas refer to it too, as
        // the schedules do) by reference.
        JsonNode items = requests.get("items");
        if (items.has("$ref")) {
            assertThat(items.get("$ref").asText()).isEqualTo("#/components/schemas/InvocationRequest");
        } else {
            assertThat(names(items.get("properties")))
                    .containsAll(names(document.at("/components/schemas/InvocationRequest/properties")));
        }
        assertThat(requests.at("/maxItems").asInt()).isEqualTo(500);
        assertThat(post.at("/responses/202/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/BatchAcceptance");
    }

    @Test
    void schedulesTakeADefinitionWithARequestTemplateAndAnswerTheSchedule() {
        JsonNode post = document.at("/paths/~1v1~1schedules/post");
        assertThat(post.at("/requestBody/content/application~1json/schema/$ref").asText())
                .isEqualTo("#/components/schemas/ScheduleDefinition");
        assertThat(post.at("/responses/201/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/Schedule");
        assertThat(post.at("/responses/422/content/application~1problem+json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/Problem");
        JsonNode definition = document.at("/components/schemas/ScheduleDefinition");
        assertThat(names(definition.get("properties")))
                .containsExactlyInAnyOrder("cron", "timeZone", "request", "description", "missedFires");
        assertThat(definition.at("/properties/request/$ref").asText())
                .isEqualTo("#/components/schemas/InvocationRequest");
        assertThat(definition.get("required").toString()).contains("cron", "request");
        assertThat(names(document.at("/components/schemas/Schedule/properties")))
                .contains("id", "cron", "timeZone", "request", "nextFireTime", "lastFireTime", "fireCount");
        assertThat(document.at("/paths/~1v1~1schedules/get/responses/200/content/application~1json/schema/$ref")
                        .asText())
                .isEqualTo("#/components/schemas/ScheduleList");
        JsonNode one = document.at("/paths/~1v1~1schedules~1{id}");
        assertThat(names(one)).contains("get", "delete");
        assertThat(names(one.at("/delete/responses"))).contains("204", "404");
    }

    @Test
    void everyRelayOperationNamesTheControlHeaders() {
        JsonNode relay = null;
        for (String path : names(document.get("paths"))) {
            if (path.startsWith("/v1/relay/")) {
                relay = document.get("paths").get(path);
            }
        }
        assertThat(relay).as("a relay path").isNotNull();
        for (String method : List.of("get", "head", "post", "put", "patch", "delete", "options")) {
            List<String> headers = new ArrayList<>();
            relay.at("/" + method + "/parameters").forEach(parameter -> {
                if (parameter.get("in").asText().equals("header")) {
                    headers.add(parameter.get("name").asText());
                }
            });
            assertThat(headers)
                    .as(method)
                    .contains(
                            "Courier-Deliver-At",
                            "Courier-Callback",
                            "Courier-Correlation-Id",
                            "Courier-Timeout",
                            "Courier-Max-Attempts",
                            "Courier-Ordering-Key",
                            "Idempotency-Key",
                            "Prefer");
        }
    }

    @Test
    void everySecuredOperationDocumentsTheAnswersOfAuthenticationAndTheTenantsPolicy() {
        JsonNode paths = document.get("paths");
        List<String> secured = new ArrayList<>();
        for (String path : names(paths)) {
            assertThat(path).as("only /v1/ is served outside /q/").startsWith("/v1/");
            for (String method : names(paths.get(path))) {
                if (!List.of("get", "head", "post", "put", "patch", "delete", "options")
                        .contains(method)) {
                    continue;
                }
                JsonNode responses = paths.get(path).get(method).get("responses");
                secured.add(method + " " + path);
                assertThat(responses
                                .at("/401/content/application~1problem+json/schema/$ref")
                                .asText())
                        .as(method + " " + path + " 401")
                        .isEqualTo("#/components/schemas/Problem");
                assertThat(responses.at("/401/headers/WWW-Authenticate").isObject())
                        .as(method + " " + path + " WWW-Authenticate")
                        .isTrue();
                boolean relay = path.startsWith("/v1/relay/");
                boolean admitted = relay || (method.equals("post") && path.equals("/v1/invocations"));
                boolean policy = admitted
                        || (method.equals("post") && path.equals("/v1/schedules"))
                        || (method.equals("put") && path.equals("/v1/schedules/{id}"))
                        || (method.equals("post") && path.equals("/v1/replays"));
                assertThat(responses.has("403"))
                        .as(method + " " + path + " 403")
                        .isEqualTo(policy);
                assertThat(responses.has("429"))
                        .as(method + " " + path + " 429")
                        .isEqualTo(admitted);
                if (admitted) {
                    assertThat(responses
                                    .at("/429/headers/Retry-After/schema/type")
                                    .asText())
                            .as(method + " " + path + " Retry-After")
                            .isEqualTo("integer");
                    assertThat(responses
                                    .at("/429/content/application~1problem+json/schema/$ref")
                                    .asText())
                            .isEqualTo("#/components/schemas/Problem");
                }
            }
        }
        assertThat(secured)
                .contains(
                        "post /v1/invocations",
                        "post /v1/invocations/batch",
                        "get /v1/invocations/{id}",
                        "delete /v1/invocations/{id}",
                        "post /v1/schedules",
                        "get /v1/schedules",
                        "get /v1/schedules/{id}",
                        "delete /v1/schedules/{id}",
                        "post /v1/replays",
                        "get /v1/replays/{id}")
                .anyMatch(operation -> operation.startsWith("post /v1/relay/"));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
