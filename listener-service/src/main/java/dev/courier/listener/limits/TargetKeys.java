package dev.courier.listener.limits;

import java.net.URI;
import java.util.Locale;

import dev.courier.common.request.Target;
import dev.courier.common.request.TargetType;

/** The name a target's limits and circuit breaker go by: its route, its function, or its URL's origin. */
public final class TargetKeys {
    private TargetKeys() {}

    /**
     * {@code route:<name>}, {@code function:<ocid>}, or {@code scheme://host:port} (the port always written, so that
     * {@code https://a.example} and {@code https://a.example:443} are one target).
     */
    public static String of(Target target) {
        if (target.type() == TargetType.FUNCTION) {
            return "function:" + target.functionId();
        }
        if (target.route() != null) {
            return "route:" + target.route();
        }
        URI uri = URI.create(target.url());
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : 80;
        return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + ":" + port;
    }
}
