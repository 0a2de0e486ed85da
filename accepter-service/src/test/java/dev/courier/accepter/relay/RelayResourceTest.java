package dev.courier.accepter.relay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Random;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.courier.testing.kafka.InjectKafkaBroker;
import dev.courier.testing.kafka.KafkaBrokerResource;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestKafkaBroker;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

@QuarkusTest
@WithTestResource(
        value = KafkaBrokerResource.class,
        initArgs = @ResourceArg(name = KafkaBrokerResource.TOPICS, value = "courier.requests:3"))
class RelayResourceTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @InjectKafkaBroker
    TestKafkaBroker kafka;

    @TestHTTPResource("/")
    URI base;

    KafkaTestClient client;

    @BeforeEach
    void connect() {
        client = new KafkaTestClient(kafka.bootstrapServers());
    }

    @AfterEach
    void disconnect() {
        client.close();
    }

    @Test
    void theRelayedCallIsOnTheRequestsTopicAsTheInvocationOfTheSameCallToTheRoute() throws Exception {
        byte[] body = new byte[300];
        new Random(15).nextBytes(body);
        String deliverAt = Instant.now()
                .plus(1, ChronoUnit.HOURS)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
        // Written by hand, so that exactly these headers arrive (an HTTP client adds and refuses some of its own).
        String head = "PUT /v1/relay/billing/orders/42%20x/items?a=1&b=x+y&a=3&flag HTTP/1.1\r\n"
                + "Host: 127.0.0.1\r\n"
                + "Content-Type: application/vnd.acme+octets; v=2\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "Connection: keep-alive, X-Hop\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "X-Hop: only for the next hop\r\n"
                + "Accept-Encoding: gzip\r\n"
                + "TE: trailers\r\n"
                + "Proxy-Authorization: Basic eDp5\r\n"
                + "X-Tenant: acme\r\n"
                + "x-trace: 1\r\n"
                + "X-Trace: 2\r\n"
                + "Cookie: a=1\r\n"
                + "Cookie: b=2\r\n"
                + "Authorization: Bearer for-the-target\r\n"
                + "Courier-Deliver-At: " + deliverAt + "\r\n"
                + "Courier-Callback: https://example.com/callback\r\n"
                + "Courier-Correlation-Id: conv-15\r\n"
                + "Courier-Timeout: 12\r\n"
                + "Courier-Max-Attempts: 4\r\n"
                + "Courier-Ordering-Key: customer-15\r\n"
                + "\r\n";

        RawResponse response = send(head, body);

        assertThat(response.status()).as(response.text()).isEqualTo(202);
        JsonNode accepted = JSON.readTree(response.body());
        String id = accepted.get("id").asText();
        assertThat(accepted.get("status").asText()).isEqualTo("ACCEPTED");
        assertThat(response.head()).containsIgnoringCase("Location: /v1/invocations/" + id);

        ConsumerRecord<String, byte[]> record =
                client.awaitOne("courier.requests", r -> KafkaTestClient.text(r).contains(id), WAIT);
        assertThat(record.key()).isEqualTo("customer-15");
        ObjectNode expected = (ObjectNode)
                JSON.readTree(
                        """
                {"target":{"type":"http","method":"PUT","route":"billing","path":"orders/42%20x/items"},
                 "headers":{"X-Tenant":"acme","x-trace":"1, 2","Cookie":"a=1; b=2",
                            "Authorization":"Bearer for-the-target"},
                 "query":{"a":["1","3"],"b":["x y"],"flag":[""]},
                 "contentType":"application/vnd.acme+octets; v=2",
                 "callback":{"url":"https://example.com/callback"},
                 "correlationId":"conv-15","timeoutSeconds":12,"retry":{"maxAttempts":4},
                 "orderingKey":"customer-15"}
                """);
        expected.put("id", id);
        expected.put("bodyBase64", Base64.getEncoder().encodeToString(body));
        expected.put("deliverAt", deliverAt);
        JsonNode stored = JSON.readTree(record.value());
        // Sensitive header values are sealed at rest (SealedHeaders); the listener opens them right before the call.
        com.fasterxml.jackson.databind.node.ObjectNode headers =
                (com.fasterxml.jackson.databind.node.ObjectNode) stored.get("headers");
        for (String sensitive : new String[] {"Authorization", "Cookie"}) {
            assertThat(headers.get(sensitive).asText()).startsWith("enc:v1:");
            headers.set(sensitive, expected.get("headers").get(sensitive));
        }
        // Headers in any order: compare them as a set of names and values.
        assertThat(stored.get("headers")).isEqualTo(expected.get("headers"));
        assertThat(stored).isEqualTo(expected);
        assertThat(Base64.getDecoder().decode(stored.get("bodyBase64").asText()))
                .isEqualTo(body);
    }

    @Test
    void aGetWithoutPathOrBodyIsACallToTheRoutesUrlItself() throws Exception {
        for (String path : new String[] {"/v1/relay/status", "/v1/relay/status/"}) {
            String id = given().get(base.resolve(path))
                    .then()
                    .statusCode(202)
                    .header("Location", matchesPattern("/v1/invocations/[0-9A-Z]{26}"))
                    .extract()
                    .path("id");
            JsonNode stored = JSON.readTree(client.awaitOne(
                            "courier.requests", r -> KafkaTestClient.text(r).contains(id), WAIT)
                    .value());
            assertThat(stored.get("target"))
                    .as(path)
                    .isEqualTo(JSON.readTree("{\"type\":\"http\",\"method\":\"GET\",\"route\":\"status\"}"));
            assertThat(stored.has("bodyBase64")).isFalse();
            assertThat(stored.has("contentType")).isFalse();
        }
    }

    @Test
    void everyMethodATargetMayBeCalledWithIsRelayed() throws Exception {
        for (String method : new String[] {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
            RawResponse response = send(
                    method + " /v1/relay/any/thing HTTP/1.1\r\nHost: 127.0.0.1\r\n" + "Courier-Correlation-Id: method-"
                            + method + "\r\nContent-Length: 0\r\n\r\n",
                    new byte[0]);
            assertThat(response.status()).as(method + ": " + response.text()).isEqualTo(202);
            JsonNode stored = JSON.readTree(client.awaitOne(
                            "courier.requests",
                            r -> KafkaTestClient.text(r).contains("\"method-" + method + "\""),
                            WAIT)
                    .value());
            assertThat(stored.at("/target/method").asText()).isEqualTo(method);
        }
    }

    @Test
    void acceptAndContentTypeAreTheTargetsBusinessNotTheAccepters() throws Exception {
        String id = given().contentType("text/csv")
                .accept("text/html")
                .body("a,b\n1,2\n")
                .post(base.resolve("/v1/relay/reports/upload"))
                .then()
                .statusCode(202)
                .contentType("application/json")
                .extract()
                .path("id");
        JsonNode stored = JSON.readTree(
                client.awaitOne("courier.requests", r -> KafkaTestClient.text(r).contains(id), WAIT)
                        .value());
        assertThat(stored.get("contentType").asText()).startsWith("text/csv");
        assertThat(new String(
                        Base64.getDecoder().decode(stored.get("bodyBase64").asText()), StandardCharsets.UTF_8))
                .isEqualTo("a,b\n1,2\n");
        assertThat(stored.at("/headers/Accept").asText()).isEqualTo("text/html");
    }

    @ParameterizedTest(name = "{0}: {1} -> {2}")
    @CsvSource(
            delimiter = '|',
            value = {
                "Courier-Timeout      | soon                 | Courier-Timeout      | must be an integer",
                "Courier-Timeout      | 0                    | Courier-Timeout      | greater than or equal to 1",
                "Courier-Timeout      | 3601                 | Courier-Timeout      | less than or equal to 3600",
                "Courier-Deliver-At   | tomorrow             | Courier-Deliver-At   | RFC 3339",
                "Courier-Deliver-At   | 2099-01-01T00:00:00Z | Courier-Deliver-At   | at most 30 days ahead",
                "Courier-Max-Attempts | 0                    | Courier-Max-Attempts | greater than or equal to 1",
                "Courier-Max-Attempts | many                 | Courier-Max-Attempts | must be an integer",
                "Courier-Callback     | not-a-url            | Courier-Callback     | URL",
                "Courier-Ordering-Key | ''                   | Courier-Ordering-Key | size must be between 1 and 255",
                "Courier-Delay        | 5                    | Courier-Delay        | not a Courier control header",
            })
    void anInvalidControlHeaderIs422NamingIt(String header, String value, String field, String message) {
        problem(
                        given().header(header, value.equals("''") ? "" : value)
                                .body("{}")
                                .post(base.resolve("/v1/relay/billing/orders")),
                        422)
                .body("errors.field", hasItem(field))
                .body("errors.message", hasItem(containsString(message)))
                .body("detail", containsString(field));
    }

    @Test
    void aControlHeaderGivenTwiceIs422() throws Exception {
        RawResponse response = send(
                "POST /v1/relay/billing HTTP/1.1\r\nHost: 127.0.0.1\r\nCourier-Timeout: 5\r\nCourier-Timeout: 6\r\n"
                        + "Content-Length: 0\r\n\r\n",
                new byte[0]);
        assertThat(response.status()).isEqualTo(422);
        assertThat(response.head()).containsIgnoringCase("Content-Type: application/problem+json");
        assertThat(JSON.readTree(response.body()).at("/errors/0/field").asText())
                .isEqualTo("Courier-Timeout");
    }

    @ParameterizedTest
    @CsvSource({"orders/%2e%2E/admin", "orders/..;x/admin", "orders/..%2fadmin"})
    void aPathThatWouldLeaveTheRouteIs422NamingThePath(String path) throws Exception {
        RawResponse response = send(
                "GET /v1/relay/billing/" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n",
                new byte[0]);
        assertThat(response.status()).as(response.text()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).at("/errors/0/field").asText())
                .isEqualTo("path");
    }

    @Test
    void aRelayCallWithoutARouteIs422NamingTheRoute() throws Exception {
        RawResponse response =
                send("POST /v1/relay//orders HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n", new byte[0]);
        assertThat(response.status()).as(response.text()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).at("/errors/0/field").asText())
                .isEqualTo("route");
    }

    @Test
    void aGetWithABodyIsRefusedRatherThanRelayedWithoutIt() throws Exception {
        RawResponse response = send(
                "GET /v1/relay/billing HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n",
                "{}".getBytes(StandardCharsets.UTF_8));
        assertThat(response.status()).as(response.text()).isEqualTo(422);
        assertThat(JSON.readTree(response.body()).at("/errors/0/field").asText())
                .isEqualTo("body");
    }

    @Test
    void aBodyOverTheBodyLimitIs413NamingTheBody() {
        problem(
                        given().contentType("application/octet-stream")
                                .body(new byte[6 * 1024 * 1024 + 1])
                                .post(base.resolve("/v1/relay/billing/upload")),
                        413)
                .body("errors.field", hasItem("body"));
    }

    private static ValidatableResponse problem(io.restassured.response.Response response, int status) {
        return response.then()
                .statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("correlationId", org.hamcrest.Matchers.notNullValue())
                .body(not(containsString("at dev.courier")));
    }

    /** Sends {@code head} and {@code body} as they are over a new connection and reads the whole answer. */
    private RawResponse send(String head, byte[] body) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", base.getPort())) {
            socket.setSoTimeout((int) WAIT.toMillis());
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();
            return RawResponse.read(socket.getInputStream(), !head.startsWith("HEAD "));
        }
    }

    /** An HTTP/1.1 response read off a socket: status line and headers, and a body of Content-Length bytes. */
    private record RawResponse(int status, String head, byte[] body) {
        static RawResponse read(InputStream in, boolean withBody) throws IOException {
            ByteArrayOutputStream headBytes = new ByteArrayOutputStream();
            int matched = 0;
            while (matched < 4) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("the connection closed before the end of the headers");
                }
                headBytes.write(b);
                matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            }
            String head = headBytes.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(head.substring(9, 12));
            int length = 0;
            for (String line : head.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) {
                    length = Integer.parseInt(
                            line.substring("content-length:".length()).trim());
                }
            }
            return new RawResponse(status, head, withBody ? in.readNBytes(length) : new byte[0]);
        }

        String text() {
            return head + new String(body, StandardCharsets.UTF_8);
        }
    }
}
