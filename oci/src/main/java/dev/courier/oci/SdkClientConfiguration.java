package dev.courier.oci;

import java.time.Duration;

import com.oracle.bmc.ClientConfiguration;
import com.oracle.bmc.retrier.RetryConfiguration;
import com.oracle.bmc.util.CircuitBreakerUtils;

/**
 * The configuration of every OCI SDK client Courier builds. The SDK's own retries and circuit breaker are off: Courier
 * decides about retries itself (the listener's retry policy and delay tiers, a service's own error handling), and a
 * hidden retry inside one attempt would multiply attempts and stretch per-attempt timeouts; the listener keeps its
 * own circuit breaker per target.
 */
public final class SdkClientConfiguration {
    private SdkClientConfiguration() {}

    /** No SDK retries, no SDK circuit breaker, the given timeouts. */
    public static ClientConfiguration of(Duration connectTimeout, Duration readTimeout) {
        return ClientConfiguration.builder()
                .connectionTimeoutMillis(millis(connectTimeout))
                .readTimeoutMillis(millis(readTimeout))
                .retryConfiguration(RetryConfiguration.NO_RETRY_CONFIGURATION)
                .circuitBreakerConfiguration(CircuitBreakerUtils.getNoCircuitBreakerConfiguration())
                .build();
    }

    private static int millis(Duration duration) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, duration.toMillis()));
    }
}
