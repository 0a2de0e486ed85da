package dev.courier.common.secret;

import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The header names whose values are secrets (credentials, session cookies, API keys): {@link #ALWAYS} plus the names
 * a service is configured with. Names compare case-insensitively, as HTTP's do.
 */
public final class SensitiveHeaders {
    /** Sensitive whatever the configuration says. */
    public static final List<String> ALWAYS = List.of("Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key");

    private final Set<String> names = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    private SensitiveHeaders(Collection<String> configured) {
        names.addAll(ALWAYS);
        configured.forEach(name -> names.add(name.trim()));
    }

    /** {@link #ALWAYS} and {@code configured}. */
    public static SensitiveHeaders of(Collection<String> configured) {
        return new SensitiveHeaders(configured);
    }

    /** Whether {@code name}'s values are secrets. */
    public boolean contains(String name) {
        return names.contains(name);
    }

    @Override
    public String toString() {
        return names.stream()
                .map(name -> name.toLowerCase(Locale.ROOT))
                .toList()
                .toString();
    }
}
