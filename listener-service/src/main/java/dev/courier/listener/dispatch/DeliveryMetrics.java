package dev.courier.listener.dispatch;

import java.time.Duration;
import java.util.Locale;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.common.record.Condition;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.InvokeType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The listener's delivery metrics, named after OCI Functions' own (SPEC section 9). Label values are bounded: no ids,
 * no URLs.
 */
@ApplicationScoped
public class DeliveryMetrics {
    /**
     * Buckets of the accepted → first attempt latency: from a record read at once to one that waited behind a limited
     * target or an ordering key, or through a delay tier, for minutes.
     */
    private static final Duration[] FIRST_ATTEMPT_BUCKETS = {
        Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
        Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
        Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(15), Duration.ofHours(1)
    };

    private final MeterRegistry registry;

    public DeliveryMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A call to a target was made, and how it ended. */
    public void attempted(InvocationRequest request, AttemptResult result) {
        String targetType = request.target().type().name().toLowerCase(Locale.ROOT);
        String invokeType = (request.invokeType() == null ? InvokeType.SYNC : request.invokeType())
                .name()
                .toLowerCase(Locale.ROOT);
        Counter.builder("courier.function.invocation.count")
                .description("Calls made to targets")
                .tag("invoke_type", invokeType)
                .tag("target_type", targetType)
                .register(registry)
                .increment();
        String statusClass =
                result instanceof AttemptResult.Responded responded ? (responded.status() / 100) + "xx" : "none";
        Counter.builder("courier.function.response.count")
                .description("Outcomes of calls to targets")
                .tag("target_type", targetType)
                .tag("status_class", statusClass)
                .tag("outcome", result.succeeded() ? "success" : result.retryable() ? "retryable" : "final")
                .register(registry)
                .increment();
        Timer.builder("courier.function.execution.duration")
                .description("Duration of calls to targets")
                .tag("target_type", targetType)
                .publishPercentileHistogram()
                .register(registry)
                .record(result.elapsed());
    }

    /**
     * The first attempt of an invocation is being made, {@code latency} after it was accepted (or, for a deferred one,
     * after the time it asked for): the end-to-end latency of SPEC section 9.
     */
    public void firstAttempt(InvocationRequest request, Duration latency) {
        Timer.builder("courier.first.attempt.latency")
                .description("From acceptance, or the requested delivery time, to the first call to the target")
                .tag("target_type", request.target().type().name().toLowerCase(Locale.ROOT))
                .serviceLevelObjectives(FIRST_ATTEMPT_BUCKETS)
                .register(registry)
                .record(latency.isNegative() ? Duration.ZERO : latency);
    }

    /** A call failed retryably and will be made again: {@code target} (the invocation) or {@code callback}. */
    public void retried(String kind) {
        Counter.builder("courier.retries")
                .description("Retries scheduled, of calls to targets and of callbacks")
                .tag("kind", kind)
                .register(registry)
                .increment();
    }

    /** A callback delivery ended. */
    public void callback(boolean delivered) {
        Counter.builder("courier.detached.deliveries")
                .description("Forwarding of responses to callback addresses")
                .tag("destination", "callback")
                .tag("outcome", delivered ? "success" : "error")
                .register(registry)
                .increment();
    }

    /** An invocation ended with {@code condition}. */
    public void completed(Condition condition) {
        Counter.builder("courier.invocations.completed")
                .description("Invocations that reached a terminal outcome")
                .tag("condition", condition.wireName())
                .register(registry)
                .increment();
    }

    /** An invocation was handed to a delay tier: {@code deferred} (its first attempt) or {@code retry}. */
    public void deferred(String reason) {
        Counter.builder("courier.delay.handoffs")
                .description("Invocations handed to a delay tier to wait")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** A call was parked because its target is limited ({@code rate}, {@code concurrency}) or its circuit open. */
    public void limited(String reason) {
        Counter.builder("courier.target.limited")
                .description("Calls parked in a delay tier because their target was limited or its circuit open")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }

    /** A record went to the failures topic without a call, for {@code reason}. */
    public void deadLettered(String reason) {
        Counter.builder("courier.dead.letters")
                .description("Records dead-lettered to the failures topic without a call")
                .tag("reason", reason)
                .register(registry)
                .increment();
    }
}
