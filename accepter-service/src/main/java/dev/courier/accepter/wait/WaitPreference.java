package dev.courier.accepter.wait;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * The {@code wait} preference of RFC 7240 {@code Prefer} headers: {@code Prefer: wait=10}, also among others
 * ({@code Prefer: respond-async, wait=10}) or with parameters ({@code wait=10; x=y}). As RFC 7240 asks, a preference
 * given more than once counts once (the first), and one that cannot be understood ({@code wait=soon}) is ignored.
 */
public final class WaitPreference {
    /** The request header. */
    public static final String PREFER = "Prefer";

    /** The response header saying which preference was honoured: {@code Preference-Applied: wait=N}. */
    public static final String PREFERENCE_APPLIED = "Preference-Applied";

    private static final String WAIT = "wait";

    private WaitPreference() {}

    /** The seconds {@code wait} asks for in {@code preferHeaders} (each a {@code Prefer} header's value), if any. */
    public static OptionalLong seconds(List<String> preferHeaders) {
        if (preferHeaders == null) {
            return OptionalLong.empty();
        }
        for (String header : preferHeaders) {
            for (String preference : header.split(",")) {
                if (isWait(preference)) {
                    String value = value(preference);
                    // delta-seconds: digits only; anything else is not understood, so ignored.
                    if (value == null
                            || value.isEmpty()
                            || value.length() > 9
                            || !value.chars().allMatch(Character::isDigit)) {
                        return OptionalLong.empty();
                    }
                    return OptionalLong.of(Long.parseLong(value));
                }
            }
        }
        return OptionalLong.empty();
    }

    /**
     * {@code preferHeaders} without their {@code wait} preference, joined into one {@code Prefer} value, or null when
     * nothing is left: what a relayed call passes on to the target, since {@code wait} is the accepter's.
     */
    public static String withoutWait(List<String> preferHeaders) {
        List<String> kept = new ArrayList<>();
        for (String header : preferHeaders) {
            for (String preference : header.split(",")) {
                if (!preference.isBlank() && !isWait(preference)) {
                    kept.add(preference.trim());
                }
            }
        }
        return kept.isEmpty() ? null : String.join(", ", kept);
    }

    private static boolean isWait(String preference) {
        String name = preference.split("[=;]", 2)[0].trim();
        return name.toLowerCase(Locale.ROOT).equals(WAIT);
    }

    /** The preference's value (unquoted), without its parameters; null when it has none. */
    private static String value(String preference) {
        String withoutParameters = preference.split(";", 2)[0];
        int equals = withoutParameters.indexOf('=');
        if (equals < 0) {
            return null;
        }
        String value = withoutParameters.substring(equals + 1).trim();
        if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
            value = value.substring(1, value.length() - 1);
        }
        return value;
    }
}
