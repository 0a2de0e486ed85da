package dev.courier.listener.dispatch;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jakarta.inject.Inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.common.request.InvocationRequest;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.FakeOciServer.FunctionInvocation;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Function targets end to end inside the listener: records on a real broker, the real OCI SDK signing every call, and
 * a {@link FakeOciServer} that verifies each signature and answers like OCI Functions.
 */
@QuarkusTest
@WithTestResource(OciFunctionsResource.class)
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class FunctionDeliveryTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    OciFakes fakes;

    @Inject
    FunctionInvoker invoker;

    @Inject
    ObjectMapper mapper;

    KafkaTestClient client;
    RecordingHttpServer callback;
    FakeOciServer oci;

    @BeforeEach
    void start() {
        client = new KafkaTestClient(kafka.bootstrapServers());
        callback = RecordingHttpServer.start();
        oci = fakes.oci();
    }

    @AfterEach
    void stop() {
        client.close();
        callback.close();
    }

    @Test
    void aSyncInvocationsResponseReachesTheCallbackAndASuccessRecord() throws Exception {
        String function = newFunction();
        oci.replyTo(function, Reply.json(200, "{\"sum\":3}"));
        String id = Ulid.next();

        publish(id, target(function, oci.endpoint()), "\"body\":{\"a\":1,\"b\":2},\"correlationId\":\"conv-fn-1\"");

        FunctionInvocation call = oci.awaitInvocations(function, 1, WAIT).get(0);
        assertThat(JSON.readTree(call.body())).isEqualTo(JSON.readTree("{\"a\":1,\"b\":2}"));
        assertThat(call.invokeType()).isEqualTo("sync");
        assertThat(call.intent()).isEqualTo("httprequest");
        assertThat(call.opcRequestId())
                .as("opc-request-id is the correlation id")
                .isEqualTo("conv-fn-1");
        assertThat(call.contentType()).isEqualTo("application/json");
        assertThat(call.header("Idempotency-Key")).isEqualTo(id);
        assertThat(call.header("Courier-Attempt")).isEqualTo("1");
        assertThat(call.header("courier-attempt-timeout-ms"))
                .as("internal header, never sent")
                .isNull();

        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.bodyText()).isEqualTo("{\"sum\":3}");
        assertThat(forwarded.header("Content-Type")).isEqualTo("application/json");
        assertThat(forwarded.header("Courier-Status")).isEqualTo("200");
        assertThat(forwarded.header("Courier-Condition")).isEqualTo("Success");
        assertThat(forwarded.header("Courier-Correlation-Id")).isEqualTo("conv-fn-1");

        JsonNode record = record("courier.results", id);
        assertThat(record.at("/data/functionId").asText()).isEqualTo(function);
        assertThat(record.at("/data/request/opcRequestId").asText()).isEqualTo("conv-fn-1");
        assertThat(record.at("/data/request/fnCallId").asText()).isEqualTo(id);
        assertThat(record.at("/data/response/status").asText()).isEqualTo("200");
        assertThat(record.at("/data/response/errorCode").isNull()).isTrue();
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(1);
        assertThat(record.get("courier").has("handedOff")).isFalse();
        assertThat(oci.rejections()).isEmpty();
    }

    @Test
    void aDetachedInvocationIsRecordedAsHandedOff() throws Exception {
        String function = newFunction();
        oci.registerFunction(function);
        String id = Ulid.next();

        publish(id, target(function, oci.endpoint()), "\"invokeType\":\"detached\",\"bodyBase64\":\"AAEC\"");

        JsonNode record = record("courier.results", id);
        assertThat(record.at("/data/response/status").asText()).isEqualTo("202");
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
        assertThat(record.at("/courier/handedOff").asBoolean()).isTrue();
        FunctionInvocation call = oci.invocations(function).get(0);
        assertThat(call.invokeType()).isEqualTo("detached");
        assertThat(call.body()).containsExactly(0, 1, 2);
        assertThat(call.contentType()).isEqualTo("application/octet-stream");
        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.header("Courier-Status")).isEqualTo("202");
    }

    @Test
    void tooManyRequestsIsRetriedAndThenDelivered() throws Exception {
        String function = newFunction();
        oci.replyTo(
                function,
                FakeOciServer.ociError(429, "TooManyRequests", "Too many requests for the function"),
                Reply.json(200, "{\"ok\":true}"));
        String id = Ulid.next();

        publish(id, target(function, oci.endpoint()), "\"retry\":{\"maxAttempts\":3,\"initialBackoffMs\":100}");

        JsonNode record = record("courier.results", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(2);
        assertThat(oci.invocations(function))
                .extracting(invocation -> invocation.header("Courier-Attempt"))
                .containsExactly("1", "2");
    }

    @Test
    void aPersistentBadGatewayEndsInAFailureRecordWithOcisErrorCode() throws Exception {
        String function = newFunction();
        Reply failed = FakeOciServer.ociError(502, "FunctionInvokeExecutionFailed", "function failed");
        oci.replyTo(function, failed, failed);
        String id = Ulid.next();

        publish(id, target(function, oci.endpoint()), "\"retry\":{\"maxAttempts\":2,\"initialBackoffMs\":100}");

        JsonNode record = record("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(2);
        assertThat(record.at("/data/response/status").asText()).isEqualTo("502");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("FunctionInvokeExecutionFailed");
        assertThat(record.at("/data/response/errorMessage").asText()).isEqualTo("function failed");
        assertThat(oci.invocations(function)).hasSize(2);
        RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
        assertThat(forwarded.header("Courier-Status")).isEqualTo("502");
        assertThat(forwarded.header("Courier-Condition")).isEqualTo("RetriesExhausted");
        assertThat(JSON.readTree(forwarded.body()).get("code").asText()).isEqualTo("FunctionInvokeExecutionFailed");
    }

    @Test
    void aRefusedSignatureIsFinalAfterExactlyOneAttempt() throws Exception {
        FakeOciServer stranger = fakes.stranger();
        String function = newFunction();
        stranger.registerFunction(function);
        String id = Ulid.next();

        publish(id, target(function, stranger.endpoint()), "\"retry\":{\"maxAttempts\":5,\"initialBackoffMs\":100}");

        JsonNode record = record("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(1);
        assertThat(record.at("/data/response/status").asText()).isEqualTo("401");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("NotAuthenticated");
        assertThat(stranger.rejections())
                .filteredOn(rejection -> rejection.path().contains(function))
                .singleElement()
                .satisfies(rejection -> assertThat(rejection.reason()).startsWith("signature does not verify"));
        assertThat(stranger.invocations(function)).isEmpty();
    }

    @Test
    void withoutAnInvokeEndpointItIsResolvedOnceForSeveralInvocations() throws Exception {
        String function = newFunction();
        oci.registerFunction(function);
        List<String> ids = List.of(Ulid.next(), Ulid.next(), Ulid.next());

        for (String id : ids) {
            publish(id, target(function, null), "\"body\":\"" + id + "\",\"contentType\":\"text/plain\"");
        }

        for (String id : ids) {
            assertThat(record("courier.results", id).at("/courier/condition").asText())
                    .isEqualTo("Success");
        }
        assertThat(oci.invocations(function))
                .extracting(FunctionInvocation::bodyText)
                .containsExactlyInAnyOrderElementsOf(ids);
        assertThat(oci.getFunctionCalls(function)).isEqualTo(1);
    }

    @Test
    void anUnknownFunctionIsRejected() throws Exception {
        String function = newFunction();
        String id = Ulid.next();

        publish(id, target(function, null), "");

        JsonNode record = record("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/status").asText()).isEqualTo("404");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("NotAuthorizedOrNotFound");
    }

    @Test
    void theAttemptTimeoutAppliesToTheCall() throws Exception {
        String function = newFunction();
        oci.replyTo(function, Reply.json(200, "{}").after(Duration.ofSeconds(4)));
        String id = Ulid.next();

        publish(id, target(function, oci.endpoint()), "\"timeoutSeconds\":1,\"retry\":{\"maxAttempts\":1}");

        JsonNode record = record("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("TargetTimeout");
    }

    @Test
    void anInvokeEndpointOnALinkLocalAddressIsNeverCalled() throws Exception {
        String function = newFunction();
        String id = Ulid.next();

        publish(id, target(function, "http://169.254.169.254"), "");

        JsonNode record = record("courier.failures", id);
        assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
        assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("TargetNotAllowed");
        assertThat(record.at("/courier/attempts").asInt()).isEqualTo(1);
    }

    /**
     * The largest body a request record can carry today (Kafka's default 1 MB message limit, base64 included:
     * about 700 kB raw) goes through the whole listener; see {@link #aSixMegabyteBodyReachesTheFunctionIntact()} for
     * OCI's 6 MB.
     */
    @Test
    void theLargestBodyARecordCarriesReachesTheFunctionIntact() throws Exception {
        String function = newFunction();
        oci.replyTo(function, Reply.json(200, "{}"));
        byte[] body = randomBytes(700_000);
        String id = Ulid.next();

        publish(id, target(function, oci.endpoint()), "\"bodyBase64\":\"" + base64(body) + "\"");

        assertThat(record("courier.results", id).at("/courier/condition").asText())
                .isEqualTo("Success");
        assertThat(sha256(oci.invocations(function).get(0).body())).isEqualTo(sha256(body));
    }

    /** OCI's limit, 6 MB, straight through the invoker: a request record that large does not fit Kafka today. */
    @Test
    void aSixMegabyteBodyReachesTheFunctionIntact() throws Exception {
        String function = newFunction();
        oci.registerFunction(function); // the default answer echoes the body
        byte[] body = randomBytes(6 * 1024 * 1024);
        InvocationRequest request = mapper.readValue(
                "{\"id\":\"" + Ulid.next() + "\",\"target\":" + target(function, oci.endpoint()) + ",\"bodyBase64\":\""
                        + base64(body) + "\"}",
                InvocationRequest.class);

        AttemptResult result = invoker.invoke(request, 1).toCompletableFuture().get(60, TimeUnit.SECONDS);

        assertThat(sha256(oci.awaitInvocations(function, 1, WAIT).get(0).body()))
                .isEqualTo(sha256(body));
        assertThat(result).isInstanceOfSatisfying(AttemptResult.Responded.class, responded -> {
            assertThat(responded.status()).isEqualTo(200);
            assertThat(responded.truncated()).isFalse();
            assertThat(sha256(responded.body())).isEqualTo(sha256(body));
        });
    }

    private static String newFunction() {
        return "ocid1.fnfunc.oc1.iad." + Ulid.next().toLowerCase();
    }

    private static String target(String function, String invokeEndpoint) {
        return "{\"type\":\"function\",\"functionId\":\"" + function + "\""
                + (invokeEndpoint == null ? "" : ",\"invokeEndpoint\":\"" + invokeEndpoint + "\"") + "}";
    }

    private void publish(String id, String target, String extra) {
        client.send(
                "courier.requests",
                id,
                "{\"id\":\"" + id + "\",\"target\":" + target + ",\"callback\":{\"url\":\"" + callback.url("/hook")
                        + "\"}" + (extra.isEmpty() ? "" : "," + extra) + "}");
    }

    private JsonNode record(String topic, String id) throws Exception {
        return JSON.readTree(
                client.awaitOne(topic, r -> id.equals(r.key()), WAIT).value());
    }

    private static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        new Random(size).nextBytes(bytes);
        return bytes;
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
