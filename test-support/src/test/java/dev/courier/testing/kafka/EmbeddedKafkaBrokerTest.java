package dev.courier.testing.kafka;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmbeddedKafkaBrokerTest {

    @Test
    void aRecordProducedWithAcksAllIsConsumedByAGroupAndTheBrokerListensOnLoopbackOnly() throws Exception {
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start()) {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            kafka.createTopics(3, "probe");

            try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                    Map.of(
                            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            kafka.bootstrapServers(),
                            ProducerConfig.ACKS_CONFIG,
                            "all"),
                    new StringSerializer(),
                    new StringSerializer())) {
                RecordMetadata metadata =
                        producer.send(new ProducerRecord<>("probe", "k", "v")).get();
                assertThat(metadata.topic()).isEqualTo("probe");
            }

            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(
                    Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                            ConsumerConfig.GROUP_ID_CONFIG, "probe-group",
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                    new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.subscribe(List.of("probe"));
                List<ConsumerRecord<String, String>> received = new ArrayList<>();
                long deadline = System.currentTimeMillis() + 30_000;
                while (received.isEmpty() && System.currentTimeMillis() < deadline) {
                    consumer.poll(Duration.ofMillis(200)).forEach(received::add);
                }
                assertThat(received).extracting(ConsumerRecord::value).containsExactly("v");
            }

            try (var admin = kafka.admin()) {
                assertThat(admin.describeTopics(List.of("probe"))
                                .allTopicNames()
                                .get()
                                .get("probe")
                                .partitions())
                        .hasSize(3);
            }
        }
    }

    @Test
    void theSaslSslListenerTakesTheOneUserOverTlsAndRefusesAWrongPassword() throws Exception {
        Path directory = Files.createTempDirectory("broker-test-");
        TestCertificate certificate = TestCertificate.create(directory);
        String username = "tenancy/jane@example.com/ocid1.streampool.oc1.test.abc";
        String password = "Ab(;]:}q\"z\\9#";
        try (EmbeddedKafkaBroker kafka = EmbeddedKafkaBroker.start(new EmbeddedKafkaBroker.SaslSslListener(
                certificate.keyStore(), certificate.password(), username, password))) {
            kafka.createTopics(1, "secure");

            try (KafkaProducer<String, String> producer = saslSslProducer(kafka, certificate, username, password)) {
                assertThat(producer.send(new ProducerRecord<>("secure", "k", "v"))
                                .get()
                                .topic())
                        .isEqualTo("secure");
            }
            try (KafkaProducer<String, String> producer =
                    saslSslProducer(kafka, certificate, username, password + "x")) {
                assertThatThrownBy(() -> producer.send(new ProducerRecord<>("secure", "k", "v"))
                                .get())
                        .isInstanceOf(ExecutionException.class)
                        .hasCauseInstanceOf(SaslAuthenticationException.class);
            }
        } finally {
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    private static KafkaProducer<String, String> saslSslProducer(
            EmbeddedKafkaBroker kafka, TestCertificate certificate, String username, String password) {
        Map<String, Object> props = new HashMap<>();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.saslSslBootstrapServers());
        props.put("security.protocol", "SASL_SSL");
        props.put("sasl.mechanism", "PLAIN");
        props.put(
                "sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + username
                        + "\" password=\"" + password.replace("\\", "\\\\").replace("\"", "\\\"") + "\";");
        props.put("ssl.truststore.type", "PEM");
        props.put("ssl.truststore.location", certificate.certificatePem().toString());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
    }
}
