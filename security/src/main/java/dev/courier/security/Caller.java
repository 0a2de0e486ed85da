package dev.courier.security;

import java.util.regex.Pattern;

/**
 * Who is calling, as the credential of the request says: a tenant (a user of Courier, who sees and changes only its own
 * invocations and cache namespaces) or Courier's own service identity (the accepter and the listener calling
 * cache-service, allowed Courier's internal namespaces and the status read model).
 *
 * @param tenant the tenant the call is made for; the service identity has one too (its API key's, else the default)
 * @param kind a tenant, or Courier's service identity
 * @param principal the name of the credential (API key name, or the JWT's subject), for logs; never a secret
 */
public record Caller(String tenant, Kind kind, String principal) {
    /** What a tenant name may be: safe in a cache namespace, a log line and a config key. */
    public static final Pattern TENANT = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");

    /** The two kinds of caller. */
    public enum Kind {
        /** A user of Courier, confined to its tenant. */
        TENANT,
        /** Courier's own services (accepter, listener) calling each other. */
        SERVICE
    }

    /** Whether this is Courier's own service identity. */
    public boolean isService() {
        return kind == Kind.SERVICE;
    }
}
