package dev.courier.cache.status;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The projector's fetch settings: its own gather, never more fetches than the shared settings allow. */
class StatusProjectorGatherTest {

    @Test
    void withoutSharedFetchSettingsAFetchWaitsTheGatherUnlessAMebibyteIsThere() {
        Map<String, Object> props = new HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9092"));

        StatusProjector.gather(props, Duration.ofMillis(50));

        assertThat(props)
                .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50)
                .containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, StatusProjector.GATHER_BYTES);
    }

    @Test
    void ociStreamingsLongerWaitAndLargerMinimumStay() {
        // As the oci profile sets them (strings, from configuration): at most 5 reads per second per partition.
        Map<String, Object> props = new HashMap<>(Map.of(
                ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200", ConsumerConfig.FETCH_MIN_BYTES_CONFIG, "4194304"));

        StatusProjector.gather(props, Duration.ofMillis(50));

        assertThat(props)
                .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 200)
                .containsEntry(ConsumerConfig.FETCH_MIN_BYTES_CONFIG, 4194304);
    }

    @Test
    void aLongerGatherThanTheSharedWaitWins() {
        Map<String, Object> props = new HashMap<>(Map.of(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100));

        StatusProjector.gather(props, Duration.ofMillis(250));

        assertThat(props).containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 250);
    }
}
