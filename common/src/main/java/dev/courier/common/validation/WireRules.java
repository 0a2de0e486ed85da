package dev.courier.common.validation;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.regex.Pattern;

/** The syntactic rules of the wire format that Bean Validation's built-in constraints cannot state. */
final class WireRules {

    /** RFC 9110 token: the characters a header name or a method may consist of. */
    private static final Pattern TOKEN = Pattern.compile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$");

    /**
     * The characters of a URL path (RFC 3986 {@code pchar} and {@code /}), with {@link #LONE_PERCENT} for {@code %}
     * only as {@code %XX}. Two patterns, not one with an alternation repeated: Java matches a repeated group by
     * recursion, so a long path (a few thousand characters) overflowed the stack (found by the fuzz test).
     */
    private static final Pattern PATH = Pattern.compile("^[A-Za-z0-9._~!$&'()*+,;=:@/%-]+$");

    private static final Pattern LONE_PERCENT = Pattern.compile("%(?![0-9A-Fa-f]{2})");

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

    /**
     * Whether {@code path} may be appended to a route's URL: URL path characters only (so no query, fragment or
     * backslash), and no segment that a server could resolve to {@code .} or {@code ..} and so leave the route's base
     * path: not plainly, nor percent-encoded ({@code %2e%2e}), nor with parameters ({@code ..;x}), nor hidden behind
     * an encoded separator ({@code ..%2f}).
     */
    static boolean isRelativePath(String path) {
        if (path == null
                || path.isEmpty()
                || !PATH.matcher(path).matches()
                || LONE_PERCENT.matcher(path).find()) {
            return false;
        }
        for (String segment : path.split("/", -1)) {
            String decoded = java.net.URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
            for (String part : decoded.split("[/\\\\]", -1)) {
                int parameters = part.indexOf(';');
                String name = parameters >= 0 ? part.substring(0, parameters) : part;
                if (name.equals(".") || name.equals("..")) {
                    return false;
                }
            }
        }
        return true;
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
