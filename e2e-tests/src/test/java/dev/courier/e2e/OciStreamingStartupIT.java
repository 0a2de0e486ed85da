package dev.courier.e2e;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import dev.courier.testing.kafka.EmbeddedKafkaBroker;
import dev.courier.testing.kafka.EmbeddedKafkaBroker.SaslSslListener;
import dev.courier.testing.kafka.KafkaTestClient;
import dev.courier.testing.kafka.TestCertificate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The packaged services in the {@code oci} profile: without the OCI Streaming settings each one stops at start-up
 * with a message naming them (not a Kafka error at its first call); with them, the accepter accepts requests through
 * a broker that, like OCI Streaming, takes only SASL_SSL with PLAIN.
 */
class OciStreamingStartupIT {
    private static final String[] SETTINGS = {
        "courier.oci.streaming.bootstrap-servers", "courier.oci.streaming.username", "courier.oci.streaming.auth-token"
    };

    @ParameterizedTest
    @CsvSource({"accepter, courier.accepter.app", "listener, courier.listener.app", "cache, courier.cache.app"})
    void withoutTheSettingsAServiceStopsAtStartUpNamingEachOfThem(String service, String app) throws Exception {
        String name = service + "-oci-unconfigured";

        Throwable failure = catchThrowable(() -> ServiceProcess.start(name, app, Map.of("quarkus.profile", "oci")));

        assertThat(failure).as("%s must not start", service).hasMessageContaining("exited with 1");
        String output = Files.readString(logs().resolve(name + ".log"));
        assertThat(output).contains("OCI Streaming is not configured");
        for (String setting : SETTINGS) {
            assertThat(output).contains(setting + " is not set (environment variable ");
        }
        assertThat(output).doesNotContain("KafkaException").doesNotContain("SRCFG");
    }

    @Test
    void withTheSettingsTheAccepterStartsAndAcceptsThroughSaslSsl() throws Exception {
        Path directory = Files.createTempDirectory("courier-oci-it-");
        TestCertificate certificate = TestCertificate.create(directory);
        String username = "courier-it/ci@example.com/ocid1.streampool.oc1.test.startupit";
        String token = "Zq8(;p]Lk2:}vR7#nW4x";
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(
                        new SaslSslListener(certificate.keyStore(), certificate.password(), username, token));
                KafkaTestClient client = new KafkaTestClient(kafka.bootstrapServers())) {
            kafka.createTopics(1, "courier.requests");
            try (ServiceProcess accepter = ServiceProcess.start(
                    "accepter-oci",
                    "courier.accepter.app",
                    Map.of(
                            "quarkus.profile",
                            "oci",
                            "courier.oci.streaming.bootstrap-servers",
                            kafka.saslSslBootstrapServers(),
                            "courier.oci.streaming.username",
                            username,
                            "courier.oci.streaming.auth-token",
                            token,
                            // OCI's certificate comes from a public CA; the stand-in's is made by this test.
                            "kafka.ssl.truststore.type",
                            "PEM",
                            "kafka.ssl.truststore.location",
                            certificate.certificatePem().toString(),
                            // This test is about Streaming: large bodies stay in a local directory here (the oci
                            // profile's Object Storage bucket is LargeBodyOciIT's subject).
                            "courier.accepter.object-store.kind",
                            "local",
                            "courier.accepter.object-store.directory",
                            Files.createTempDirectory("courier-oci-streaming-it")
                                    .toString()))) {
                HttpResponse<String> response = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(accepter.baseUri().resolve("/v1/invocations"))
                                        .header("Content-Type", "application/json")
                                        .timeout(Duration.ofSeconds(30))
                                        .POST(HttpRequest.BodyPublishers.ofString(
                                                "{\"target\":{\"type\":\"http\",\"url\":\"https://example.com/\"}}"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(202);
                String id = response.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");
                client.awaitOne(
                        "courier.requests",
                        record -> KafkaTestClient.text(record).contains(id),
                        Duration.ofSeconds(30));
            }
            assertThat(Files.readString(logs().resolve("accepter-oci.log"))).doesNotContain(token);
        } finally {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    private static Path logs() {
        return Path.of(System.getProperty("courier.e2e.logs", "target/e2e-logs"));
    }
}
