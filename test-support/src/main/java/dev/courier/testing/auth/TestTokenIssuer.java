package dev.courier.testing.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.RsaJsonWebKey;
import org.jose4j.jwk.RsaJwkGenerator;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * An identity provider for tests, as OCI IAM identity domains and API Gateway are one: an RSA key generated in the
 * test, its public half served as a JWKS from a real HTTP server on 127.0.0.1, and bearer JWTs signed with it. Also
 * signs the tokens a service must refuse: by another key under the same key id, expired, from another issuer.
 */
public final class TestTokenIssuer implements AutoCloseable {
    /** The issuer ({@code iss}) of every good token. */
    public static final String ISSUER = "https://identity.courier.test/";

    private static final String KEY_ID = "courier-test-1";

    private final HttpServer server;
    private final RsaJsonWebKey key;
    private final RsaJsonWebKey stranger;
    private final AtomicInteger jwksRequests = new AtomicInteger();
    /** While set, the key set's answers wait for it (at most a minute): a key server that is slow to answer. */
    private final AtomicReference<CountDownLatch> hold = new AtomicReference<>();

    private TestTokenIssuer(HttpServer server, RsaJsonWebKey key, RsaJsonWebKey stranger) {
        this.server = server;
        this.key = key;
        this.stranger = stranger;
    }

    /** Generates the keys and starts the JWKS server on 127.0.0.1 with a free port. */
    public static TestTokenIssuer start() {
        try {
            RsaJsonWebKey key = RsaJwkGenerator.generateJwk(2048);
            key.setKeyId(KEY_ID);
            key.setAlgorithm(AlgorithmIdentifiers.RSA_USING_SHA256);
            key.setUse("sig");
            RsaJsonWebKey stranger = RsaJwkGenerator.generateJwk(2048);
            stranger.setKeyId(KEY_ID);
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
            TestTokenIssuer issuer = new TestTokenIssuer(server, key, stranger);
            byte[] jwks = new JsonWebKeySet(key).toJson().getBytes(StandardCharsets.UTF_8);
            server.createContext("/jwks", exchange -> {
                issuer.jwksRequests.incrementAndGet();
                CountDownLatch held = issuer.hold.get();
                if (held != null) {
                    try {
                        held.await(1, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, jwks.length);
                exchange.getResponseBody().write(jwks);
                exchange.close();
            });
            server.setExecutor(Executors.newSingleThreadExecutor(runnable -> {
                Thread thread = new Thread(runnable, "test-token-issuer");
                thread.setDaemon(true);
                return thread;
            }));
            server.start();
            return issuer;
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JWKS URL: {@code mp.jwt.verify.publickey.location}. */
    public String jwksUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
    }

    /** How often the JWKS was fetched. */
    public int jwksRequests() {
        return jwksRequests.get();
    }

    /**
     * Makes the key set's next answers wait until {@code release} is counted down (at most a minute), as a slow or
     * unreachable key server would; null answers at once again.
     */
    public void holdKeySet(CountDownLatch release) {
        hold.set(release);
    }

    /** The settings that make a service verify this issuer's tokens ({@code courier.auth.*}, {@code mp.jwt.*}). */
    public Map<String, String> config() {
        Map<String, String> config = new LinkedHashMap<>();
        config.put("courier.auth.enabled", "true");
        config.put("courier.auth.jwt.enabled", "true");
        config.put("mp.jwt.verify.publickey.location", jwksUrl());
        config.put("mp.jwt.verify.issuer", ISSUER);
        return config;
    }

    /** A valid token for {@code tenant} (claim {@code tenant}), for ten minutes. */
    public String token(String tenant) {
        return sign(key, ISSUER, Map.of("tenant", tenant), Instant.now().plus(Duration.ofMinutes(10)));
    }

    /** A valid token with {@code claims}, for ten minutes. */
    public String token(Map<String, Object> claims) {
        return sign(key, ISSUER, claims, Instant.now().plus(Duration.ofMinutes(10)));
    }

    /** A token for {@code tenant} that expired an hour ago (well past any clock skew allowed). */
    public String expired(String tenant) {
        return sign(key, ISSUER, Map.of("tenant", tenant), Instant.now().minus(Duration.ofHours(1)));
    }

    /** A token for {@code tenant} from another issuer, signed with the right key. */
    public String fromOtherIssuer(String tenant) {
        return sign(
                key,
                "https://elsewhere.test/",
                Map.of("tenant", tenant),
                Instant.now().plus(Duration.ofMinutes(10)));
    }

    /** A token for {@code tenant} signed with a key the JWKS does not hold, under the same key id. */
    public String signedByStranger(String tenant) {
        return sign(stranger, ISSUER, Map.of("tenant", tenant), Instant.now().plus(Duration.ofMinutes(10)));
    }

    private static String sign(RsaJsonWebKey with, String issuer, Map<String, Object> claims, Instant expires) {
        JwtClaims body = new JwtClaims();
        body.setIssuer(issuer);
        body.setSubject("test-user");
        body.setIssuedAt(org.jose4j.jwt.NumericDate.fromSeconds(expires.getEpochSecond() - 600));
        body.setExpirationTime(org.jose4j.jwt.NumericDate.fromSeconds(expires.getEpochSecond()));
        body.setGeneratedJwtId();
        claims.forEach(body::setClaim);
        JsonWebSignature jws = new JsonWebSignature();
        jws.setPayload(body.toJson());
        jws.setKey(with.getPrivateKey());
        jws.setKeyIdHeaderValue(KEY_ID);
        jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
        try {
            return jws.getCompactSerialization();
        } catch (JoseException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
