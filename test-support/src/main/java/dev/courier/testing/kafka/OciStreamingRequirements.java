package dev.courier.testing.kafka;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.login.AppConfigurationEntry;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.common.security.plain.PlainLoginModule;

/**
 * What OCI Streaming needs of Courier's Kafka clients in the {@code oci} profile, as the clients see their settings
 * (parsed by Kafka, defaults filled in), to check clients recorded by {@link ClientConfigRecorder}.
 *
 * <p>The limits behind the values: no idempotent producer, 1 MB per message, 5 reads per second per consumer group and
 * partition, 5 heartbeats per second; SASL_SSL with PLAIN.
 */
public final class OciStreamingRequirements {
    private static final int ONE_MB = 1_048_576;

    /** Every producer: durable, in order without idempotence, messages of at most 1 MB. */
    public static final Map<String, Object> PRODUCER = Map.of(
            "security.protocol",
            "SASL_SSL",
            "sasl.mechanism",
            "PLAIN",
            "enable.idempotence",
            false,
            "acks",
            "all",
            "max.in.flight.requests.per.connection",
            1,
            "max.request.size",
            ONE_MB);

    /** Every consumer: at most 5 fetches per second, 1 MB each, heartbeats every 3 s, offsets committed by hand. */
    public static final Map<String, Object> CONSUMER = Map.ofEntries(
            Map.entry("security.protocol", "SASL_SSL"),
            Map.entry("sasl.mechanism", "PLAIN"),
            Map.entry("fetch.min.bytes", ONE_MB),
            Map.entry("fetch.max.wait.ms", 200),
            Map.entry("fetch.max.bytes", ONE_MB),
            Map.entry("max.partition.fetch.bytes", ONE_MB),
            Map.entry("heartbeat.interval.ms", 3000),
            Map.entry("session.timeout.ms", 30000),
            Map.entry("group.protocol", "classic"),
            Map.entry("allow.auto.create.topics", false),
            Map.entry("enable.auto.commit", false));

    private OciStreamingRequirements() {}

    /** A producer's settings as Kafka reads {@code recorded}, defaults included. */
    public static Map<String, Object> producerSettings(Map<String, Object> recorded) {
        return ProducerConfig.configDef().parse(recorded);
    }

    /** A consumer's settings as Kafka reads {@code recorded}, defaults included. */
    public static Map<String, Object> consumerSettings(Map<String, Object> recorded) {
        return ConsumerConfig.configDef().parse(recorded);
    }

    /** Each required setting that {@code settings} lacks, with what it should be and what it is; empty when none. */
    public static Map<String, String> mismatches(Map<String, Object> settings, Map<String, Object> required) {
        Map<String, String> mismatches = new TreeMap<>();
        required.forEach((name, expected) -> {
            Object actual = normalized(name, settings.get(name));
            if (!expected.equals(actual)) {
                mismatches.put(name, "expected " + expected + ", was " + actual);
            }
        });
        return mismatches;
    }

    /**
     * The SASL PLAIN credentials in {@code settings}' {@code sasl.jaas.config}, as Kafka's login reads them; fails when
     * it is not one {@link PlainLoginModule} entry.
     */
    public static PlainCredentials credentials(Map<String, Object> settings) {
        List<AppConfigurationEntry> entries =
                JaasContext.loadClientContext(settings).configurationEntries();
        if (entries.size() != 1 || !entries.get(0).getLoginModuleName().equals(PlainLoginModule.class.getName())) {
            throw new AssertionError(SaslConfigs.SASL_JAAS_CONFIG + " is not one PlainLoginModule entry");
        }
        Map<String, ?> options = entries.get(0).getOptions();
        return new PlainCredentials(
                entries.get(0).getControlFlag(), (String) options.get("username"), (String) options.get("password"));
    }

    private static Object normalized(String name, Object value) {
        if ("acks".equals(name) && "-1".equals(value)) {
            return "all";
        }
        if ("group.protocol".equals(name) && value instanceof String protocol) {
            return protocol.toLowerCase(Locale.ROOT);
        }
        return value;
    }

    /**
     * SASL PLAIN credentials.
     *
     * @param controlFlag the login module's control flag ({@code required})
     * @param username the user name
     * @param password the password
     */
    public record PlainCredentials(
            AppConfigurationEntry.LoginModuleControlFlag controlFlag, String username, String password) {
        @Override
        public String toString() {
            return "PlainCredentials[" + username + ", password hidden]";
        }
    }
}
