package dev.courier.common.request;

import java.io.InputStream;
import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validation;
import jakarta.validation.Validator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

class InvocationRequestTest {
    private static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Validator VALIDATOR =
            Validation.buildDefaultValidatorFactory().getValidator();
    private static final JsonSchema SCHEMA = loadSchema();

    @Test
    void writingARequestAgainKeepsExactlyTheFieldsThatWereSent() throws Exception {
        String sent =
                """
                {"target":{"type":"http","url":"https://example.com/hook","method":"PUT"},
                 "headers":{"X-Trace":"abc"},"query":{"page":["1","2"]},
                 "body":{"hello":["world",1,true,null]},"contentType":"application/json",
                 "callback":{"url":"https://example.com/cb"},"deliverAt":"2026-11-22T05:31:21.392Z",
                 "orderingKey":"customer-7"}
                """;
        InvocationRequest request =
                JSON.readValue(sent, InvocationRequest.class).withId("01K1Q6K12C1BT01KRZJ000HKB9");

        JsonNode written = JSON.readTree(JSON.writeValueAsBytes(request));

        JsonNode expected = JSON.readTree(sent);
        ((com.fasterxml.jackson.databind.node.ObjectNode) expected).put("id", "01K1Q6K12C1BT01KRZJ000HKB9");
        assertThat(written).isEqualTo(expected);
        assertThat(request.deliverAt()).isEqualTo(Instant.parse("2026-11-22T05:31:21.392Z"));
        assertThat(request.recordKey()).isEqualTo("customer-7");
    }

    /** Every field set, each to a value of its own: a copy that dropped or swapped one would show. */
    private static final String EVERY_FIELD =
            """
            {"id":"id-1","target":{"type":"http","url":"https://example.com/hook"},"invokeType":"detached",
             "headers":{"X-Trace":"abc"},"query":{"page":["1"]},"body":"text","bodyBase64":"AAEC",
             "bodyRef":{"object":"bodies/x","sha256":"abababababababababababababababababababababababababababababababab","size":5,"format":"json"},
             "contentType":"text/plain","callback":{"url":"https://example.com/cb"},"correlationId":"corr-1",
             "deliverAt":"2026-11-22T05:31:21Z","delaySeconds":7,"expiresAt":"2026-11-23T05:31:21Z","maxAgeSeconds":8,
             "timeoutSeconds":9,"retry":{"maxAttempts":3},"orderingKey":"order-1","idempotencyKey":"key-1",
             "recordResponse":false,"replayOf":"replayed-1","tenant":"tenant-1"}
            """;

    @Test
    void eachCopyChangesItsOwnFieldsAndKeepsEveryOther() throws Exception {
        InvocationRequest request = JSON.readValue(EVERY_FIELD, InvocationRequest.class);
        Target otherTarget = JSON.readValue("{\"type\":\"http\",\"route\":\"billing\"}", Target.class);
        Callback otherCallback = JSON.readValue("{\"url\":\"https://example.com/other\"}", Callback.class);

        assertCopy(request.withId("id-2"), "{\"id\":\"id-2\"}");
        assertCopy(request.withCorrelationId("corr-2"), "{\"correlationId\":\"corr-2\"}");
        assertCopy(
                request.withHeaders(java.util.Map.of("X-Other", "1"), otherCallback),
                "{\"headers\":{\"X-Other\":\"1\"},\"callback\":{\"url\":\"https://example.com/other\"}}");
        assertCopy(request.withBody(null, "AAAA", null), "{\"body\":null,\"bodyBase64\":\"AAAA\",\"bodyRef\":null}");
        assertCopy(request.withRecordResponse(true), "{\"recordResponse\":true}");
        assertCopy(request.withTarget(otherTarget), "{\"target\":{\"type\":\"http\",\"route\":\"billing\"}}");
        assertCopy(
                request.asReplayOf("replayed-2", "key-2", Instant.parse("2026-12-01T00:00:00Z"), null),
                "{\"replayOf\":\"replayed-2\",\"idempotencyKey\":\"key-2\","
                        + "\"deliverAt\":\"2026-12-01T00:00:00Z\",\"expiresAt\":null}");
        assertCopy(request.withTenant("tenant-2"), "{\"tenant\":\"tenant-2\"}");
    }

    /** {@code copy} written is {@link #EVERY_FIELD} with {@code changes} applied (a null value: the field absent). */
    private static void assertCopy(InvocationRequest copy, String changes) throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode expected =
                (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(EVERY_FIELD);
        JSON.readTree(changes).fields().forEachRemaining(change -> {
            if (change.getValue().isNull()) {
                expected.remove(change.getKey());
            } else {
                expected.set(change.getKey(), change.getValue());
            }
        });
        assertThat(JSON.readTree(JSON.writeValueAsBytes(copy))).isEqualTo(expected);
    }

    @Test
    void aTimestampWithAnOffsetIsReadAsTheSameInstant() throws Exception {
        InvocationRequest request = JSON.readValue(
                "{\"target\":{\"type\":\"http\",\"url\":\"http://a.example\"},\"deliverAt\":\"2026-11-22T07:00:00+02:00\"}",
                InvocationRequest.class);
        assertThat(request.deliverAt()).isEqualTo(Instant.parse("2026-11-22T05:00:00Z"));
    }

    @Test
    void aValidRequestHasNoViolations() throws Exception {
        assertThat(violations("{\"target\":{\"type\":\"http\",\"url\":\"http://a.example/x\"}}"))
                .isEmpty();
        assertThat(violations("{\"target\":{\"type\":\"function\",\"functionId\":\"ocid1.fnfunc.oc1..x\"}}"))
                .isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{}                                                                        | target",
                "{'target':{}}                                                             | target.type",
                "{'target':{'type':'http'}}                                                | target.url",
                "{'target':{'type':'http','url':'ftp://a.example/x'}}                      | target.url",
                "{'target':{'type':'http','url':'/relative'}}                              | target.url",
                "{'target':{'type':'http','url':'http://u:p@a.example'}}                   | target.url",
                "{'target':{'type':'http','url':'http://a.example','method':'FETCH'}}      | target.method",
                "{'target':{'type':'function'}}                                            | target.functionId",
                "{'target':{'type':'http','url':'http://a.example','path':'x'}}            | target.path",
                "{'target':{'type':'function','functionId':'ocid1.fnfunc.oc1..x','path':'x'}} | target.path",
                "{'target':{'type':'http','route':'r','path':'a/../b'}}                    | target.path",
                "{'target':{'type':'http','route':'r','path':'..'}}                        | target.path",
                "{'target':{'type':'http','route':'r','path':'a/%2e%2E/b'}}                | target.path",
                "{'target':{'type':'http','route':'r','path':'a/..;x/b'}}                  | target.path",
                "{'target':{'type':'http','route':'r','path':'a/..%2fb'}}                  | target.path",
                "{'target':{'type':'http','route':'r','path':'./b'}}                       | target.path",
                "{'target':{'type':'http','route':'r','path':'a?b=1'}}                     | target.path",
                "{'target':{'type':'http','route':'r','path':'a\\\\b'}}                    | target.path",
                "{'target':{'type':'http','route':'r','path':'a b'}}                       | target.path",
                "{'target':{'type':'http','route':'r','path':'a%zz'}}                      | target.path",
                "{'target':{'type':'http','route':'r','path':''}}                          | target.path",
                "{'target':{'type':'http','url':'http://a.example'},'timeoutSeconds':0}    | timeoutSeconds",
                "{'target':{'type':'http','url':'http://a.example'},'timeoutSeconds':3601} | timeoutSeconds",
                "{'target':{'type':'http','url':'http://a.example'},'delaySeconds':2592001} | delaySeconds",
                "{'target':{'type':'http','url':'http://a.example'},'deliverAt':'2026-01-01T00:00:00Z','delaySeconds':5} | delaySeconds",
                "{'target':{'type':'http','url':'http://a.example'},'expiresAt':'2026-01-01T00:00:00Z','maxAgeSeconds':5} | maxAgeSeconds",
                "{'target':{'type':'http','url':'http://a.example'},'body':1,'bodyBase64':'AA=='} | bodyBase64",
                "{'target':{'type':'http','url':'http://a.example'},'bodyBase64':'not base64!'} | bodyBase64",
                "{'target':{'type':'http','url':'http://a.example'},'headers':{'X-A':'1\\r\\nX-B: 2'}} | headers",
                "{'target':{'type':'http','url':'http://a.example'},'headers':{'Bad Name':'1'}} | headers",
                "{'target':{'type':'http','url':'http://a.example'},'callback':{}}         | callback.url",
                "{'target':{'type':'http','url':'http://a.example'},'callback':{'url':'x'}} | callback.url",
                "{'target':{'type':'http','url':'http://a.example'},'retry':{'maxAttempts':0}} | retry.maxAttempts",
                "{'target':{'type':'http','url':'http://a.example'},'orderingKey':''}      | orderingKey",
                "{'id':'has space','target':{'type':'http','url':'http://a.example'}}      | id",
                "{'target':{'type':'http','url':'http://a.example'},'body':1,'bodyRef':{'object':'bodies/01K1Q6K12C1BT01KRZJ000HKB9','sha256':'abababababababababababababababababababababababababababababababab','size':5,'format':'json'}} | bodyRef",
                "{'target':{'type':'http','url':'http://a.example'},'bodyBase64':'AA==','bodyRef':{'object':'bodies/01K1Q6K12C1BT01KRZJ000HKB9','sha256':'abababababababababababababababababababababababababababababababab','size':5,'format':'json'}} | bodyRef",
                "{'target':{'type':'http','url':'http://a.example'},'bodyRef':{'object':'../etc/passwd','sha256':'abababababababababababababababababababababababababababababababab','size':5,'format':'json'}} | bodyRef.object",
                "{'target':{'type':'http','url':'http://a.example'},'bodyRef':{'object':'bodies//x','sha256':'abababababababababababababababababababababababababababababababab','size':5,'format':'json'}} | bodyRef.object",
                "{'target':{'type':'http','url':'http://a.example'},'bodyRef':{'object':'bodies/x','sha256':'ABC','size':5,'format':'json'}} | bodyRef.sha256",
                "{'target':{'type':'http','url':'http://a.example'},'bodyRef':{'object':'bodies/x','sha256':'abababababababababababababababababababababababababababababababab','size':-1,'format':'json'}} | bodyRef.size",
                "{'target':{'type':'http','url':'http://a.example'},'bodyRef':{'object':'bodies/x','sha256':'abababababababababababababababababababababababababababababababab','size':5}} | bodyRef.format",
            })
    void eachInvalidFieldIsNamedAndTheSchemaRejectsTheSameDocument(String document, String field) throws Exception {
        String json = document.replace('\'', '"');
        assertThat(violations(json)).contains(field);
        assertThat(SCHEMA.validate(JSON.readTree(json))).as("schema errors").isNotEmpty();
    }

    @Test
    void deliveryMoreThanThirtyDaysAheadIsRefused() throws Exception {
        String tooFar = Instant.now().plusSeconds(31L * 24 * 3600).toString();
        assertThat(violations("{\"target\":{\"type\":\"http\",\"url\":\"http://a.example\"},\"deliverAt\":\"" + tooFar
                        + "\"}"))
                .containsExactly("deliverAt");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "{'target':{'type':'http','url':'http://a.example/x'}}",
                "{'target':{'type':'http','route':'billing','method':'GET'},'query':{'a':['1']}}",
                "{'target':{'type':'http','route':'billing','path':'orders/42/items/'},'recordResponse':true}",
                "{'target':{'type':'http','route':'billing','path':'a%20b/c@d:e/f;v=1/...x/.well-known'}}",
                "{'target':{'type':'function','functionId':'ocid1.fnfunc.oc1..x'},'invokeType':'detached'}",
                "{'target':{'type':'http','url':'https://a.example'},'bodyRef':{'object':'bodies/01K1Q6K12C1BT01KRZJ000HKB9','sha256':'0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f','size':5242880,'format':'binary'},'contentType':'image/png'}",
                "{'id':'01K1Q6K12C1BT01KRZJ000HKB9','target':{'type':'http','url':'https://a.example'},'bodyBase64':'AAEC','contentType':'application/octet-stream','callback':{'url':'https://b.example/cb','headers':{'Authorization':'Bearer x'}},'delaySeconds':10,'maxAgeSeconds':60,'timeoutSeconds':5,'retry':{'maxAttempts':3,'initialBackoffMs':100,'maxBackoffMs':1000,'multiplier':2.0},'orderingKey':'k','idempotencyKey':'i','correlationId':'c'}",
            })
    void theSchemaAndTheValidatorAcceptTheSameValidDocuments(String document) throws Exception {
        String json = document.replace('\'', '"');
        assertThat(violations(json)).isEmpty();
        assertThat(SCHEMA.validate(JSON.readTree(json))).isEmpty();
    }

    private static Set<String> violations(String json) throws Exception {
        InvocationRequest request = JSON.readValue(json, InvocationRequest.class);
        Set<ConstraintViolation<InvocationRequest>> violations = VALIDATOR.validate(request);
        return violations.stream()
                .map(violation -> violation.getPropertyPath().toString())
                .collect(Collectors.toSet());
    }

    private static JsonSchema loadSchema() {
        try (InputStream in = InvocationRequest.class.getResourceAsStream(InvocationRequest.SCHEMA_RESOURCE)) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                    .getSchema(in);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
