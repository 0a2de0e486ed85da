package dev.courier.common.record;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.courier.common.request.Target;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class InvocationRecordTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    @Test
    void theRecordHasOciFieldsIncludingNullsPlusTheCourierObject() throws Exception {
        Instant now = Instant.parse("2026-11-22T05:31:21.392Z");
        InvocationRecord record = new InvocationRecord(
                "01K1Q6K12C1BT01KRZJ000HKB9",
                InvocationRecord.VERSION,
                new InvocationRecord.Data(
                        null,
                        null,
                        null,
                        new InvocationRecord.CallIds("corr-1", "01K1Q6K12C1BT01KRZJ000AAAA"),
                        new InvocationRecord.Response("502", "TargetError", "bad gateway", now)),
                new InvocationRecord.Delivery(
                        "01K1Q6K12C1BT01KRZJ000AAAA",
                        Condition.RETRIES_EXHAUSTED,
                        3,
                        Target.http("POST", "https://a.example"),
                        now.minusMillis(41),
                        now,
                        41L,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        null));

        JsonNode json = JSON.readTree(JSON.writeValueAsString(record));

        assertThat(json.get("version").asText()).isEqualTo("1.0");
        assertThat(json.get("data").has("compartmentId")).isTrue();
        assertThat(json.get("data").get("functionId").isNull()).isTrue();
        assertThat(json.at("/data/request/opcRequestId").asText()).isEqualTo("corr-1");
        assertThat(json.at("/data/request/fnCallId").asText()).isEqualTo("01K1Q6K12C1BT01KRZJ000AAAA");
        assertThat(json.at("/data/response/status").asText()).isEqualTo("502");
        assertThat(json.at("/data/response/timestamp").asText()).isEqualTo("2026-11-22T05:31:21.392Z");
        assertThat(json.at("/courier/condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(json.at("/courier/attempts").asInt()).isEqualTo(3);
        assertThat(json.at("/courier/target/url").asText()).isEqualTo("https://a.example");
        assertThat(json.get("courier").has("source")).isFalse();
        assertThat(json.get("courier").has("handedOff")).isFalse();
        assertThat(json.get("courier").has("response")).isFalse();
        assertThat(JSON.readValue(json.toString(), InvocationRecord.class)).isEqualTo(record);
    }

    @Test
    void aRecordedResponseIsTheBodyAndContentTypeUnderCourier() throws Exception {
        Instant now = Instant.parse("2026-11-22T05:31:21.392Z");
        InvocationRecord record = new InvocationRecord(
                "01K1Q6K12C1BT01KRZJ000HKB9",
                InvocationRecord.VERSION,
                new InvocationRecord.Data(
                        null,
                        null,
                        null,
                        new InvocationRecord.CallIds("corr-1", "01K1Q6K12C1BT01KRZJ000AAAA"),
                        new InvocationRecord.Response("200", null, null, now)),
                new InvocationRecord.Delivery(
                        "01K1Q6K12C1BT01KRZJ000AAAA",
                        Condition.SUCCESS,
                        1,
                        Target.route("GET", "billing", "orders/1"),
                        now.minusMillis(41),
                        now,
                        41L,
                        null,
                        null,
                        null,
                        null,
                        new InvocationRecord.TargetResponse("application/json", "e30=", null),
                        null,
                        null));

        JsonNode json = JSON.readTree(JSON.writeValueAsString(record));

        assertThat(json.at("/courier/response"))
                .isEqualTo(JSON.readTree("{\"contentType\":\"application/json\",\"bodyBase64\":\"e30=\"}"));
        assertThat(json.at("/courier/target/path").asText()).isEqualTo("orders/1");
        assertThat(JSON.readValue(json.toString(), InvocationRecord.class)).isEqualTo(record);
    }
}
