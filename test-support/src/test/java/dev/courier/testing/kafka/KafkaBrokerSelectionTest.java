package dev.courier.testing.kafka;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.courier.testing.kafka.KafkaBrokerSelection.Broker;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KafkaBrokerSelectionTest {

    @Test
    void autoTakesTestcontainersWhenADockerDaemonAnswersAndTheInJvmBrokerWhenNot() {
        assertThat(KafkaBrokerSelection.choose(null, () -> true)).isEqualTo(Broker.TESTCONTAINERS);
        assertThat(KafkaBrokerSelection.choose("auto", () -> true)).isEqualTo(Broker.TESTCONTAINERS);
        assertThat(KafkaBrokerSelection.choose(null, () -> false)).isEqualTo(Broker.IN_JVM);
        assertThat(KafkaBrokerSelection.choose(" AUTO ", () -> false)).isEqualTo(Broker.IN_JVM);
    }

    @Test
    void aFixedChoiceDoesNotAskForDocker() {
        AtomicBoolean asked = new AtomicBoolean();
        assertThat(KafkaBrokerSelection.choose("in-jvm", () -> asked.getAndSet(true)))
                .isEqualTo(Broker.IN_JVM);
        assertThat(KafkaBrokerSelection.choose("testcontainers", () -> asked.getAndSet(true)))
                .isEqualTo(Broker.TESTCONTAINERS);
        assertThat(asked).isFalse();
    }

    @Test
    void anUnknownSettingIsRefusedSayingWhatIsKnown() {
        assertThatThrownBy(() -> KafkaBrokerSelection.choose("docker", () -> true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("auto, in-jvm or testcontainers");
    }
}
