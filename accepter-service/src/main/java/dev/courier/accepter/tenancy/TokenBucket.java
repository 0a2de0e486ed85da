package dev.courier.accepter.tenancy;

/**
 * A token bucket: {@code rate} tokens a second, up to {@code capacity} saved. Thread-safe (synchronized: each call is
 * a few arithmetic operations). In memory, in one accepter replica: it limits what this replica takes.
 */
final class TokenBucket {
    private final double rate;
    private final double capacity;
    private double tokens;
    private long updatedNanos;

    TokenBucket(double rate, double capacity, long nowNanos) {
        this.rate = rate;
        this.capacity = capacity;
        this.tokens = capacity;
        this.updatedNanos = nowNanos;
    }

    /**
     * Takes one token if there is one.
     *
     * @return 0 when taken; else how many nanoseconds until one will be there (nothing is taken)
     */
    synchronized long take(long nowNanos) {
        tokens = Math.min(capacity, tokens + (nowNanos - updatedNanos) * rate / 1e9);
        updatedNanos = nowNanos;
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / rate * 1e9);
    }
}
