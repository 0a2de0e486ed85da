package dev.courier.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.testing.http.RecordingHttpServer;
import dev.courier.testing.http.RecordingHttpServer.RecordedRequest;
import dev.courier.testing.http.RecordingHttpServer.Reply;
import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged listener and the OCI SDK inside it (production class loading, the Jersey 3 client next to Quarkus):
 * a function target invoked through a signature-verifying OCI fake, and a start-up refused for an incomplete identity.
 */
class FunctionTargetsIT {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EmbeddedKafkaBroker kafka;
    private static FakeOciServer oci;
    private static RecordingHttpServer callback;
    private static final TestApiKey KEY = TestApiKey.generate();

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        kafka = EmbeddedKafkaBroker.start();
        kafka.createTopics(1, "courier.requests", "courier.results", "courier.failures");
        CourierStack.createDelayTiers(kafka);
        oci = FakeOciServer.start();
        KEY.trustedBy(oci);
        callback = RecordingHttpServer.start();
    }

    @AfterAll
    static void stop() {
        callback.close();
        oci.close();
        kafka.close();
    }

    @Test
    void thePackagedListenerInvokesAFunctionThroughTheSdk() throws Exception {
        Path keyFile = Files.writeString(dir.resolve("oci_api_key.pem"), KEY.privateKeyPem());
        String function = "ocid1.fnfunc.oc1.iad." + Ulid.next().toLowerCase();
        oci.registerFunction(function).replyTo(function, Reply.json(200, "{\"answer\":42}"));
        Map<String, String> properties = identity();
        properties.put("courier.listener.oci.auth.private-key-file", keyFile.toString());
        properties.put("courier.listener.oci.functions-endpoint", oci.endpoint());
        String id = Ulid.next();

        try (ServiceProcess listener = ServiceProcess.start("listener-functions", "courier.listener.app", properties);
                KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            client.send(
                    "courier.requests",
                    id,
                    "{\"id\":\"" + id + "\",\"target\":{\"type\":\"function\",\"functionId\":\"" + function
                            + "\"},\"body\":{\"question\":\"?\"},\"correlationId\":\"conv-it\",\"callback\":{\"url\":\""
                            + callback.url("/hook") + "\"}}");

            JsonNode record = JSON.readTree(client.awaitOne("courier.results", r -> id.equals(r.key()), WAIT)
                    .value());
            assertThat(record.at("/courier/condition").asText()).isEqualTo("Success");
            assertThat(record.at("/data/functionId").asText()).isEqualTo(function);
            RecordedRequest forwarded = callback.awaitOne(r -> id.equals(r.header("Courier-Invocation-Id")), WAIT);
            assertThat(forwarded.bodyText()).isEqualTo("{\"answer\":42}");
        }
        assertThat(oci.invocations(function)).singleElement().satisfies(call -> {
            assertThat(call.bodyText()).isEqualTo("{\"question\":\"?\"}");
            assertThat(call.opcRequestId()).isEqualTo("conv-it");
        });
        assertThat(oci.getFunctionCalls(function)).isEqualTo(1);
        assertThat(oci.rejections()).isEmpty();
    }

    @Test
    void anIncompleteIdentityStopsTheListenerNamingWhatIsMissing() throws Exception {
        Map<String, String> properties = new HashMap<>();
        properties.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        properties.put("courier.listener.oci.auth.type", "simple");
        properties.put("courier.listener.oci.auth.region", "us-ashburn-1");
        properties.put("courier.listener.oci.auth.private-key", KEY.privateKeyPem());

        ServiceProcess.Exited exited =
                ServiceProcess.runToExit("listener-oci-misconfigured", "courier.listener.app", properties, WAIT);

        assertThat(exited.code()).isNotZero();
        assertThat(exited.log())
                .contains("courier.listener.oci.auth.tenancy", "courier.listener.oci.auth.fingerprint")
                .doesNotContain(KEY.privateKeyPem().split("\n")[4]);
    }

    private static Map<String, String> identity() {
        Map<String, String> properties = new HashMap<>();
        properties.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        properties.put("courier.listener.egress.allow-loopback", "true");
        properties.put("courier.listener.oci.auth.type", "simple");
        properties.put("courier.listener.oci.auth.tenancy", KEY.tenancy());
        properties.put("courier.listener.oci.auth.user", KEY.user());
        properties.put("courier.listener.oci.auth.fingerprint", KEY.fingerprint());
        properties.put("courier.listener.oci.auth.region", "us-ashburn-1");
        return properties;
    }
}
