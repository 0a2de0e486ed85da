package dev.courier.oci.streaming;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.smallrye.config.Expressions;
import io.smallrye.config.SmallRyeConfig;
import org.eclipse.microprofile.config.Config;

/**
 * Start-up check of the {@code oci} profile: every service reaches OCI Streaming's Kafka endpoint with the settings
 * {@code courier.oci.streaming.*}, which its {@code %oci.kafka.*} properties refer to (bootstrap servers, and the SASL
 * PLAIN user name and password in {@code sasl.jaas.config}). Without one of them the service would start and fail at its
 * first Kafka call with a client error; this check stops it at start-up instead, with one message that names every
 * missing or malformed setting and its environment variable.
 *
 * <p>Invariant: no message carries a setting's value. The auth token is a secret, and a token pasted into the wrong
 * setting must not reach a log either.
 *
 * <p>It observes {@link StartupEvent} before any other observer, so it runs before the services' Kafka clients are
 * created.
 */
@ApplicationScoped
public class OciStreamingCheck {
    /** The profile that connects to OCI Streaming. */
    public static final String PROFILE = "oci";
    /** The stream pool's Kafka bootstrap server(s), {@code host:port[,host:port...]}. */
    public static final String BOOTSTRAP_SERVERS = "courier.oci.streaming.bootstrap-servers";
    /** The SASL PLAIN user name: {@code <tenancy>/[<identity domain>/]<user name>/<stream pool OCID>}. */
    public static final String USERNAME = "courier.oci.streaming.username";
    /** The SASL PLAIN password: an auth token of the user in {@link #USERNAME}. A secret. */
    public static final String AUTH_TOKEN = "courier.oci.streaming.auth-token";

    private static final String BOOTSTRAP_EXAMPLE = "cell-1.streaming.<region>.oci.oraclecloud.com:9092";
    private static final String USERNAME_SHAPE = "<tenancy>/[<identity domain>/]<user name>/<stream pool OCID>";
    private static final Pattern BOOTSTRAP = Pattern.compile("[^\\s,:]+:\\d{1,5}(,[^\\s,:]+:\\d{1,5})*");
    /** Tenancy, optional identity domain, user name, stream pool OCID. */
    private static final Pattern USER = Pattern.compile("[^/]+/([^/]+/)?[^/]+/ocid1\\.streampool\\.[^/\\s]+");

    void check(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event, Config config) {
        if (config.unwrap(SmallRyeConfig.class).getProfiles().contains(PROFILE)) {
            verify(config);
        }
    }

    /**
     * Throws a {@link ConfigurationException} naming every {@code courier.oci.streaming.*} setting that is missing or
     * malformed; returns when all are usable. Quarkus prints such an exception's message alone, without a stack trace.
     */
    static void verify(Config config) {
        List<Problem> problems = new ArrayList<>();
        require(
                config,
                BOOTSTRAP_SERVERS,
                "the stream pool's Kafka bootstrap server, e.g. " + BOOTSTRAP_EXAMPLE,
                value ->
                        BOOTSTRAP.matcher(value).matches() ? null : "is not host:port (e.g. " + BOOTSTRAP_EXAMPLE + ")",
                problems);
        require(
                config,
                USERNAME,
                USERNAME_SHAPE,
                value -> !USER.matcher(value).matches()
                        ? "is not " + USERNAME_SHAPE + " (the last part starts with ocid1.streampool.)"
                        : unquotable(value),
                problems);
        require(
                config,
                AUTH_TOKEN,
                "an auth token of the user in " + USERNAME,
                OciStreamingCheck::unquotable,
                problems);
        if (!problems.isEmpty()) {
            Set<String> names = new LinkedHashSet<>();
            problems.forEach(problem -> names.add(problem.setting()));
            throw new ConfigurationException(
                    "OCI Streaming is not configured (profile " + PROFILE + ", see README \"Running on OCI\"):\n  - "
                            + String.join(
                                    "\n  - ",
                                    problems.stream().map(Problem::toString).toList()),
                    names);
        }
    }

    /**
     * Adds a problem when setting {@code name} is absent, blank, unreadable, surrounded by white space, or has the
     * {@code defect} that function describes (null: none).
     */
    private static void require(
            Config config, String name, String meaning, Function<String, String> defect, List<Problem> problems) {
        Optional<String> value;
        try {
            value = config.getOptionalValue(name, String.class).filter(text -> !text.isBlank());
        } catch (RuntimeException e) {
            value = Optional.empty();
        }
        if (value.isEmpty()) {
            // SmallRye reads a value whose ${...} expression does not resolve as absent (or throws, quoting part of
            // it): tell that case apart from a setting nobody gave.
            boolean given = Expressions.withoutExpansion(() -> config.getOptionalValue(name, String.class))
                    .filter(text -> !text.isBlank())
                    .isPresent();
            problems.add(new Problem(
                    name,
                    given
                            ? "cannot be read: its value has a ${...} expression that does not resolve"
                            : "is not set (environment variable " + environmentVariable(name) + "): " + meaning));
            return;
        }
        String found = value.get().strip().equals(value.get())
                ? defect.apply(value.get())
                : "starts or ends with white space (a line break from the file the secret was made from?)";
        if (found != null) {
            problems.add(new Problem(name, found));
        }
    }

    /** The environment variable SmallRye Config reads for {@code name}. */
    static String environmentVariable(String name) {
        return name.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /**
     * Why {@code value} cannot stand between double quotes in {@code sasl.jaas.config} as it is, or null when it can.
     */
    private static String unquotable(String value) {
        return value.indexOf('"') < 0 && value.indexOf('\\') < 0
                ? null
                : "contains \" or \\, which sasl.jaas.config cannot carry";
    }

    /** What is wrong with one setting; never its value. */
    private record Problem(String setting, String text) {
        @Override
        public String toString() {
            return setting + " " + text;
        }
    }
}
