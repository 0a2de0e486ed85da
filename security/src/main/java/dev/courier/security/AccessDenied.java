package dev.courier.security;

/**
 * A request refused for its credential: 401 (none, or one that does not verify) or 403 (a valid credential that may
 * not do this). Each service's problem mapper turns it into {@code application/problem+json}; the detail never
 * contains the credential.
 */
public class AccessDenied extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;

    private AccessDenied(int status, String detail) {
        super(detail, null, false, false);
        this.status = status;
    }

    /** 401: no credential, or one that does not verify. */
    public static AccessDenied unauthenticated(String detail) {
        return new AccessDenied(401, detail);
    }

    /** 403: the caller is known but may not do this. */
    public static AccessDenied forbidden(String detail) {
        return new AccessDenied(403, detail);
    }

    /** 401 or 403. */
    public int status() {
        return status;
    }

    /** The problem type's last part: {@code unauthorized} or {@code forbidden}. */
    public String type() {
        return status == 401 ? "unauthorized" : "forbidden";
    }

    /** The problem's title. */
    public String title() {
        return status == 401 ? "Unauthorized" : "Forbidden";
    }

    /** The {@code WWW-Authenticate} challenge of a 401 (RFC 9110 section 11.6.1). */
    public static final String CHALLENGE = "Bearer realm=\"courier\", ApiKey header=\"X-Api-Key\"";
}
