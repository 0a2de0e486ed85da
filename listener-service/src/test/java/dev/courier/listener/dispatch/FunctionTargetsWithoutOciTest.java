package dev.courier.listener.dispatch;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.common.id.Ulid;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A listener without OCI configuration starts and delivers, and ends function targets as unsupported. */
@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = ListenerTopics.ALL))
class FunctionTargetsWithoutOciTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @Test
    void aFunctionTargetIsRejectedAsUnsupported() throws Exception {
        try (KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            String id = Ulid.next();
            client.send(
                    "courier.requests",
                    id,
                    "{\"id\":\"" + id
                            + "\",\"target\":{\"type\":\"function\",\"functionId\":\"ocid1.fnfunc.oc1..x\"}}");

            JsonNode record =
                    JSON.readTree(client.awaitOne("courier.failures", r -> id.equals(r.key()), Duration.ofSeconds(60))
                            .value());
            assertThat(record.at("/courier/condition").asText()).isEqualTo("Rejected");
            assertThat(record.at("/courier/attempts").asInt()).isEqualTo(1);
            assertThat(record.at("/data/functionId").asText()).isEqualTo("ocid1.fnfunc.oc1..x");
            assertThat(record.at("/data/response/errorCode").asText()).isEqualTo("UnsupportedTarget");
            assertThat(record.at("/data/response/errorMessage").asText()).contains("courier.listener.oci.auth.type");
        }
    }
}
