package dev.courier.listener.retry;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.common.request.RetryPolicy;
import dev.courier.listener.config.ListenerConfig;

/**
 * When to try again: exponential backoff with jitter, a request's own policy bounded by the server's limits, and a
 * target's {@code Retry-After} honoured up to a cap.
 */
@ApplicationScoped
public class RetrySchedule {
    private final ListenerConfig.Retry config;
    private final java.util.Map<String, ListenerConfig.Route> routes;

    public RetrySchedule(ListenerConfig config) {
        this.config = config.retry();
        this.routes = config.routes();
    }

    /**
     * The policy in force for a request: each field the request's own, else its route's default, else the server's
     * default, and never beyond the server's limits.
     */
    public Policy policyFor(RetryPolicy requested, String route) {
        RetryPolicy asked = requested != null ? requested : new RetryPolicy(null, null, null, null);
        ListenerConfig.RouteRetry routed = route == null || !routes.containsKey(route)
                ? null
                : routes.get(route).retry();
        int maxAttempts = Math.min(
                asked.maxAttempts() != null
                        ? asked.maxAttempts()
                        : routed != null && routed.maxAttempts().isPresent()
                                ? routed.maxAttempts().getAsInt()
                                : config.maxAttempts(),
                config.maxAttemptsLimit());
        Duration maxBackoff = min(
                asked.maxBackoffMs() != null
                        ? Duration.ofMillis(asked.maxBackoffMs())
                        : routed != null ? routed.maxBackoff().orElse(config.maxBackoff()) : config.maxBackoff(),
                config.maxBackoffLimit());
        Duration initial = min(
                asked.initialBackoffMs() != null
                        ? Duration.ofMillis(asked.initialBackoffMs())
                        : routed != null
                                ? routed.initialBackoff().orElse(config.initialBackoff())
                                : config.initialBackoff(),
                maxBackoff);
        double multiplier = asked.multiplier() != null
                ? asked.multiplier()
                : routed != null && routed.multiplier().isPresent()
                        ? routed.multiplier().getAsDouble()
                        : config.multiplier();
        return new Policy(Math.max(1, maxAttempts), initial, maxBackoff, multiplier);
    }

    /**
     * The wait after attempt number {@code attempt} (1 for the first) failed: {@code initial × multiplier^(attempt-1)},
     * at most {@code maxBackoff}, varied by the configured jitter; never shorter than the target's
     * {@code Retry-After} (capped).
     */
    public Duration backoff(Policy policy, int attempt, Optional<Duration> retryAfter) {
        double base = policy.initialBackoff().toMillis() * Math.pow(policy.multiplier(), attempt - 1);
        double capped = Math.min(base, policy.maxBackoff().toMillis());
        double jitter = config.jitter();
        double varied =
                capped * (1 - jitter + 2 * jitter * ThreadLocalRandom.current().nextDouble());
        Duration wait = Duration.ofMillis(Math.round(varied));
        if (retryAfter.isPresent()) {
            Duration asked = min(retryAfter.get(), config.maxRetryAfter());
            if (asked.compareTo(wait) > 0) {
                wait = asked;
            }
        }
        return wait;
    }

    /** A {@code Retry-After} value (delay-seconds or an HTTP date) as a wait from {@code now}. */
    public static Optional<Duration> parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String trimmed = value.trim();
        try {
            long seconds = Long.parseLong(trimmed);
            return seconds >= 0 ? Optional.of(Duration.ofSeconds(seconds)) : Optional.empty();
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME)
                        .toInstant();
                Duration wait = Duration.between(now, at);
                return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * A retry policy with every field decided.
     *
     * @param maxAttempts attempts in all, the first included
     * @param initialBackoff wait before the second attempt
     * @param maxBackoff longest wait between two attempts
     * @param multiplier growth of the wait per attempt
     */
    public record Policy(int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {}
}
