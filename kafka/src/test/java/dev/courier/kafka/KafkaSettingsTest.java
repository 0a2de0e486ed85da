package dev.courier.kafka;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Each kind of client gets the shared settings it knows, and only those. */
class KafkaSettingsTest {
    private static final Map<String, Object> SHARED = Map.of(
            "bootstrap.servers", "127.0.0.1:9092",
            "security.protocol", "SASL_SSL",
            "acks", "all",
            "fetch.min.bytes", 1024,
            "courier.unrelated", "x");

    @Test
    void aConsumerGetsTheCommonAndTheConsumerSettings() {
        assertThat(KafkaSettings.consumer(SHARED))
                .containsOnlyKeys("bootstrap.servers", "security.protocol", "fetch.min.bytes")
                .containsEntry("fetch.min.bytes", 1024);
    }

    @Test
    void aProducerGetsTheCommonAndTheProducerSettings() {
        assertThat(KafkaSettings.producer(SHARED)).containsOnlyKeys("bootstrap.servers", "security.protocol", "acks");
    }

    @Test
    void theCallerMayAddToWhatItGets() {
        Map<String, Object> props = KafkaSettings.consumer(SHARED);
        props.put("group.id", "mine");
        assertThat(props).containsEntry("group.id", "mine");
        assertThat(SHARED).doesNotContainKey("group.id");
    }
}
