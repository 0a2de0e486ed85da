package dev.courier.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;

import io.smallrye.jwt.auth.principal.JWTParser;
import io.smallrye.jwt.auth.principal.ParseException;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.jboss.logging.Logger;

/**
 * The one place a request's credential becomes a {@link Caller}: used by {@link AccessFilter} for every {@code /v1/}
 * request, and by any route that answers ahead of the REST layer.
 *
 * <ul>
 *   <li>{@code Authorization: Bearer <JWT>}: verified by smallrye-jwt ({@code mp.jwt.verify.*}: signature against the
 *       configured key or JWKS, issuer, expiry); the tenant is the {@code courier.auth.jwt.tenant-claim} claim.
 *   <li>{@code X-Api-Key: <key>}: its SHA-256 is looked up among {@code courier.auth.api-keys}; the key's tenant and
 *       role come from there.
 * </ul>
 *
 * A request with neither, or with one that does not verify, is refused (401). With {@code courier.auth.enabled=false}
 * every request is the service identity in the default tenant.
 *
 * <p>Verifying a JWT against a JWKS <em>URL</em> may wait on the network: smallrye-jwt fetches the key set on first use,
 * again when a token names a key id it does not hold, and when its copy is older than
 * {@code smallrye.jwt.jwks.refresh-interval}, each time on the thread that verifies. {@link #mayWaitOnNetwork} tells
 * callers on an event loop to verify such tokens elsewhere ({@link AccessFilter} does).
 */
@ApplicationScoped
public class AccessGate {
    /** The header that carries an API key. */
    public static final String API_KEY_HEADER = "X-Api-Key";

    private static final Logger LOG = Logger.getLogger(AccessGate.class);
    private static final String BEARER = "bearer ";

    private final boolean enabled;
    private final Caller open;
    private final AuthConfig.Jwt jwtConfig;
    private final String defaultTenant;
    private final List<KnownKey> keys;
    private final Instance<JWTParser> jwtParser;
    private final boolean remoteKeys;

    public AccessGate(AuthConfig config, Instance<JWTParser> jwtParser, Config mp) {
        this.enabled = config.enabled();
        this.defaultTenant = config.defaultTenant();
        this.open = new Caller(defaultTenant, Caller.Kind.SERVICE, "anonymous");
        this.jwtConfig = config.jwt();
        this.jwtParser = jwtParser;
        this.keys = knownKeys(config);
        this.remoteKeys = enabled
                && jwtConfig.enabled()
                && mp.getOptionalValue("mp.jwt.verify.publickey.location", String.class)
                        .map(location -> location.trim().toLowerCase(Locale.ROOT))
                        .filter(location -> location.startsWith("http:") || location.startsWith("https:"))
                        .isPresent();
    }

    /**
     * Whether {@link #authenticate} may wait on the network for a request with these headers: it carries a bearer token
     * (and no API key, which wins) and JWTs are verified against a JWKS URL. Such a request must not be authenticated on
     * an event loop: a slow or unreachable key server would stall every connection of that loop.
     */
    public boolean mayWaitOnNetwork(Function<String, String> header) {
        return remoteKeys && header.apply(API_KEY_HEADER) == null && bearer(header.apply("Authorization")) != null;
    }

    /** Whether requests must authenticate here. */
    public boolean enabled() {
        return enabled;
    }

    /** The tenant of requests and records that name none. */
    public String defaultTenant() {
        return defaultTenant;
    }

    /**
     * The caller a request with these headers is.
     *
     * @param header the request's header of a (case-insensitive) name, or null
     * @throws AccessDenied 401 when there is no valid credential
     */
    public Caller authenticate(Function<String, String> header) {
        if (!enabled) {
            return open;
        }
        String apiKey = header.apply(API_KEY_HEADER);
        if (apiKey != null) {
            return byApiKey(apiKey.trim());
        }
        String token = bearer(header.apply("Authorization"));
        if (token != null) {
            return byJwt(token);
        }
        throw AccessDenied.unauthenticated(
                "this API needs a credential: Authorization: Bearer <JWT> or " + API_KEY_HEADER + ": <key>");
    }

    /** The token of an {@code Authorization: Bearer <token>} header; null for any other header or none. */
    private static String bearer(String authorization) {
        if (authorization != null
                && authorization.length() > BEARER.length()
                && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return authorization.substring(BEARER.length()).trim();
        }
        return null;
    }

    private Caller byApiKey(String key) {
        byte[] presented = sha256(key);
        KnownKey match = null;
        for (KnownKey known : keys) {
            // Compares every configured hash in full, whatever matched before: no early exit to time.
            if (MessageDigest.isEqual(presented, known.sha256()) && match == null) {
                match = known;
            }
        }
        if (match == null) {
            throw AccessDenied.unauthenticated("the API key is not known");
        }
        return match.caller();
    }

    private Caller byJwt(String token) {
        if (!jwtConfig.enabled()) {
            throw AccessDenied.unauthenticated("bearer tokens are not accepted here (courier.auth.jwt.enabled=false)");
        }
        JsonWebToken jwt;
        try {
            jwt = jwtParser.get().parse(token);
        } catch (ParseException e) {
            // The reason (expired, issuer, signature) is for the log, at debug: it is the caller's problem, not ours.
            LOG.debugf(e, "bearer token refused: %s", e.getMessage());
            throw AccessDenied.unauthenticated("the bearer token is not valid here (signature, issuer or expiry)");
        }
        Set<String> groups = jwt.getGroups() == null ? Set.of() : jwt.getGroups();
        Optional<String> serviceGroup = jwtConfig.serviceGroup();
        Object claim = jwt.getClaim(jwtConfig.tenantClaim());
        String tenant = claim == null ? null : claim.toString().replaceAll("^\"|\"$", "");
        if (serviceGroup.isPresent() && groups.contains(serviceGroup.get())) {
            return new Caller(tenant != null ? tenant : defaultTenant, Caller.Kind.SERVICE, subject(jwt));
        }
        if (tenant == null || !Caller.TENANT.matcher(tenant).matches()) {
            throw AccessDenied.unauthenticated("the bearer token names no valid tenant (claim "
                    + jwtConfig.tenantClaim() + ", 1 to 64 characters from [A-Za-z0-9._-])");
        }
        return new Caller(tenant, Caller.Kind.TENANT, subject(jwt));
    }

    private static String subject(JsonWebToken jwt) {
        return jwt.getSubject() != null ? "jwt:" + jwt.getSubject() : "jwt";
    }

    private static List<KnownKey> knownKeys(AuthConfig config) {
        List<KnownKey> keys = new ArrayList<>();
        config.serviceKeySha256()
                .ifPresent(hash -> keys.add(new KnownKey(
                        hash(hash, "courier.auth.service-key-sha256"),
                        new Caller(config.defaultTenant(), Caller.Kind.SERVICE, "service-key"))));
        for (Map.Entry<String, AuthConfig.ApiKey> entry : config.apiKeys().entrySet()) {
            AuthConfig.ApiKey key = entry.getValue();
            byte[] hash = hash(key.sha256(), "courier.auth.api-keys.\"" + entry.getKey() + "\".sha256");
            String tenant = key.tenant().orElse(config.defaultTenant());
            if (!Caller.TENANT.matcher(tenant).matches()) {
                throw new IllegalStateException("courier.auth.api-keys.\"" + entry.getKey()
                        + "\".tenant must be 1 to 64 characters from [A-Za-z0-9._-]");
            }
            keys.add(new KnownKey(hash, new Caller(tenant, key.role(), "api-key:" + entry.getKey())));
        }
        return List.copyOf(keys);
    }

    private static byte[] hash(String configured, String property) {
        String hex = configured.trim().toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{64}")) {
            throw new IllegalStateException(
                    property + " must be the 64 hex digits of a SHA-256 (printf %s \"$KEY\" | sha256sum)");
        }
        return HexFormat.of().parseHex(hex);
    }

    /** The SHA-256 of {@code key}'s UTF-8 bytes: what {@code courier.auth.api-keys.*.sha256} holds, in hex. */
    public static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private record KnownKey(byte[] sha256, Caller caller) {}
}
