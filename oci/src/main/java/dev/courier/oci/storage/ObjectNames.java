package dev.courier.oci.storage;

import java.util.regex.Pattern;

/**
 * The rule every object name follows, in every store: segments of {@code [A-Za-z0-9._~:-]} separated by {@code /},
 * none empty or starting with a dot. So a name is a safe relative path below a directory (no {@code ..}, no hidden
 * files) and a valid Object Storage name. {@code BodyReference.OBJECT_PATTERN} in common states the same rule for the
 * wire.
 */
final class ObjectNames {
    private static final Pattern NAME =
            Pattern.compile("^[A-Za-z0-9_~:-][A-Za-z0-9._~:-]*(/[A-Za-z0-9_~:-][A-Za-z0-9._~:-]*)*$");
    private static final int MAX_LENGTH = 1024;

    private ObjectNames() {}

    /** {@code name}, if it follows the rule; otherwise an {@link IllegalArgumentException}. */
    static String checked(String name) {
        if (name == null || name.length() > MAX_LENGTH || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a valid object name: " + name);
        }
        return name;
    }

    /** Whether {@code name} follows the rule. */
    static boolean valid(String name) {
        return name != null && name.length() <= MAX_LENGTH && NAME.matcher(name).matches();
    }
}
