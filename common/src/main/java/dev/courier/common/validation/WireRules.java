package dev.courier.common.validation;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Set;
import java.util.regex.Pattern;

/** The syntactic rules of the wire format that Bean Validation's built-in constraints cannot state. */
final class WireRules {

    /** RFC 9110 token: the characters a header name or a method may consist of. */
    private static final Pattern TOKEN = Pattern.compile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$");

    /** The methods an HTTP target may be called with. */
    static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private WireRules() {}

    static boolean isAbsoluteHttpUrl(String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme();
            return uri.isAbsolute()
                    && ("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme))
                    && uri.getHost() != null
                    && uri.getRawUserInfo() == null;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    static boolean isHeaderName(String name) {
        return name != null && name.length() <= 256 && TOKEN.matcher(name).matches();
    }

    /** A header value may not smuggle a second header or line (CR, LF, NUL). */
    static boolean isHeaderValue(String value) {
        if (value == null || value.length() > 8192) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                return false;
            }
        }
        return true;
    }
}
