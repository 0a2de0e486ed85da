package dev.courier.testing.kafka;

import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * Which broker a test gets: a Testcontainers Kafka when a Docker daemon answers, the in-JVM broker otherwise (no
 * Docker, as in CI here). A setting ({@link KafkaBrokerResource#BROKER}, or the system property
 * {@value #PROPERTY}) can fix the choice: {@code auto} (the default), {@code in-jvm} or {@code testcontainers}.
 */
public final class KafkaBrokerSelection {
    /** System property that overrides the choice for every test resource in the JVM, e.g. {@code -Dcourier.test.kafka=in-jvm}. */
    public static final String PROPERTY = "courier.test.kafka";

    private KafkaBrokerSelection() {}

    /** The two brokers there are. */
    public enum Broker {
        /** {@link EmbeddedKafkaBroker}: a KRaft broker inside the test JVM. */
        IN_JVM,
        /** {@link ContainerKafkaBroker}: Kafka in a container, through Testcontainers. */
        TESTCONTAINERS
    }

    /**
     * The broker for {@code setting} (null or blank: {@code auto}); {@code dockerAnswers} is asked only for
     * {@code auto}.
     *
     * @throws IllegalArgumentException for a setting that is none of the three
     */
    public static Broker choose(String setting, BooleanSupplier dockerAnswers) {
        String chosen =
                setting == null || setting.isBlank() ? "auto" : setting.trim().toLowerCase(Locale.ROOT);
        return switch (chosen) {
            case "auto" -> dockerAnswers.getAsBoolean() ? Broker.TESTCONTAINERS : Broker.IN_JVM;
            case "in-jvm" -> Broker.IN_JVM;
            case "testcontainers" -> Broker.TESTCONTAINERS;
            default -> throw new IllegalArgumentException(
                    "unknown Kafka test broker '" + setting + "': auto, in-jvm or testcontainers");
        };
    }
}
