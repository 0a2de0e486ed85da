package dev.courier.accepter.tenancy;

import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.accepter.config.AccepterConfig;
import dev.courier.accepter.problem.RequestProblem;
import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.Target;
import dev.courier.common.request.TargetType;

/**
 * Each tenant's policy ({@code courier.accepter.tenants."<tenant>".*}): which routes, URL hosts and functions it may
 * call (403 naming the field otherwise), how large its requests may be (413) and how many it may submit a second
 * (429 with {@code Retry-After}). The rate is a token bucket per tenant in this replica's memory: it is per replica,
 * and restarts full.
 */
@ApplicationScoped
public class TenantPolicies {
    private final Map<String, Policy> policies = new HashMap<>();
    private final LongSupplier clock;

    @Inject
    public TenantPolicies(AccepterConfig config) {
        this(config, System::nanoTime);
    }

    TenantPolicies(AccepterConfig config, LongSupplier clock) {
        this.clock = clock;
        long now = clock.getAsLong();
        config.tenants().forEach((tenant, policy) -> policies.put(tenant, new Policy(policy, now)));
    }

    /**
     * Refuses {@code request} (with its tenant set) if its target is outside its tenant's allowed routes, hosts or
     * functions.
     *
     * @throws RequestProblem 403 naming the target field
     */
    public void checkTarget(InvocationRequest request, String tenant) {
        checkTarget(request.target(), tenant);
    }

    /**
     * Refuses {@code target} (null: none) if it is outside {@code tenant}'s allowed routes, hosts or functions: for a
     * target given apart from a request (a replay's).
     *
     * @throws RequestProblem 403 naming the target field
     */
    public void checkTarget(Target target, String tenant) {
        Policy policy = policies.get(tenant);
        if (policy == null || target == null) {
            return;
        }
        if (target.type() == TargetType.FUNCTION) {
            check(policy.functions, target.functionId(), "target.functionId", "function", tenant);
        } else if (target.route() != null) {
            check(policy.routes, target.route(), "target.route", "route", tenant);
        } else if (target.url() != null) {
            String host = host(target.url());
            check(policy.hosts, host == null ? "" : host.toLowerCase(Locale.ROOT), "target.url", "host", tenant);
        }
    }

    /**
     * Admits one request of {@code documentBytes} bytes from {@code tenant}: within its size limit (else 413) and its
     * rate (else 429, nothing taken). Call it only for a request that is otherwise ready to be accepted.
     */
    public void admit(String tenant, int documentBytes) {
        Policy policy = policies.get(tenant);
        if (policy == null) {
            return;
        }
        checkSize(tenant, documentBytes, "body");
        if (policy.bucket != null) {
            long wait = policy.bucket.take(clock.getAsLong());
            if (wait > 0) {
                throw RequestProblem.tooManyRequests(
                        tenant, Math.max(1, TimeUnit.NANOSECONDS.toSeconds(wait + TimeUnit.SECONDS.toNanos(1) - 1)));
            }
        }
    }

    /**
     * Refuses a request of {@code documentBytes} bytes over {@code tenant}'s {@code max-request-bytes}, without taking a
     * token of its rate: for a request to be made later (a schedule's template, checked when the schedule is created).
     *
     * @throws RequestProblem 413 naming {@code field}
     */
    public void checkSize(String tenant, int documentBytes, String field) {
        Policy policy = policies.get(tenant);
        if (policy != null && policy.maxRequestBytes != null && documentBytes > policy.maxRequestBytes) {
            throw RequestProblem.tenantTooLarge(policy.maxRequestBytes, field);
        }
    }

    /**
     * Refuses one more schedule for {@code tenant}, which holds {@code held}, when that is its {@code max-schedules}.
     *
     * @throws RequestProblem 409, naming the tenant's own count and limit only
     */
    public void checkScheduleCount(String tenant, long held) {
        Policy policy = policies.get(tenant);
        if (policy != null && policy.maxSchedules != null && held >= policy.maxSchedules) {
            throw RequestProblem.conflict("tenant " + tenant + " holds " + held + " schedules, the most it may"
                    + " (courier.accepter.tenants." + tenant + ".max-schedules); delete one first");
        }
    }

    private static void check(List<Pattern> allowed, String value, String field, String what, String tenant) {
        if (allowed == null) {
            return;
        }
        for (Pattern pattern : allowed) {
            if (value != null && pattern.matcher(value).matches()) {
                return;
            }
        }
        throw RequestProblem.forbidden(field, "tenant " + tenant + " may not call this " + what);
    }

    private static String host(String url) {
        try {
            return URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            return null; // an invalid URL is refused by validation, which comes first
        }
    }

    /** {@code *} is any run of characters; everything else is literal. */
    static Pattern glob(String pattern, boolean ignoreCase) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0);
    }

    private static final class Policy {
        final List<Pattern> routes;
        final List<Pattern> hosts;
        final List<Pattern> functions;
        final Integer maxRequestBytes;
        final Integer maxSchedules;
        final TokenBucket bucket;

        Policy(AccepterConfig.TenantPolicy config, long now) {
            this.routes = patterns(config.allowedRoutes(), false);
            this.hosts = patterns(config.allowedHosts(), true);
            this.functions = patterns(config.allowedFunctions(), false);
            this.maxRequestBytes = config.maxRequestBytes().isPresent()
                    ? config.maxRequestBytes().getAsInt()
                    : null;
            this.maxSchedules =
                    config.maxSchedules().isPresent() ? config.maxSchedules().getAsInt() : null;
            if (config.ratePerSecond().isPresent()) {
                double rate = config.ratePerSecond().getAsDouble();
                if (rate <= 0) {
                    throw new IllegalStateException("courier.accepter.tenants.*.rate-per-second must be positive");
                }
                double burst = config.burst().isPresent() ? config.burst().getAsInt() : Math.max(1, rate);
                this.bucket = new TokenBucket(rate, Math.max(1, burst), now);
            } else {
                this.bucket = null;
            }
        }

        private static List<Pattern> patterns(Optional<List<String>> configured, boolean ignoreCase) {
            if (configured.isEmpty()) {
                return null;
            }
            List<Pattern> patterns = new ArrayList<>();
            for (String pattern : configured.get()) {
                patterns.add(glob(pattern.trim(), ignoreCase));
            }
            return patterns;
        }
    }
}
