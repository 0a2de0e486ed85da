package dev.courier.common.request;

import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.PositiveOrZero;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * A caller's retry wishes for one invocation. Every field is optional; the listener bounds each by its configured
 * maximum and fills the gaps from the route's or the server's defaults.
 *
 * @param maxAttempts attempts in all, the first included
 * @param initialBackoffMs wait before the second attempt
 * @param maxBackoffMs the longest wait between two attempts
 * @param multiplier growth of the wait from one attempt to the next
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RetryPolicy(
        @Min(1) @Max(100) Integer maxAttempts,
        @PositiveOrZero Long initialBackoffMs,
        @PositiveOrZero Long maxBackoffMs,
        @DecimalMin("1.0") @DecimalMax("10.0") Double multiplier) {}
