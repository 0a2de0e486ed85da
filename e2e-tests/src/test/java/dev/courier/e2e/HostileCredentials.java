package dev.courier.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import dev.courier.testing.auth.TestTokenIssuer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * Credentials for the fuzzing of the auth gate ({@link HostileRequests#withCredentials}): the header lines put in front
 * of each generated request. Some are valid (an API key, a bearer JWT of the test issuer), so that part of the
 * requests get past the gate and reach the endpoints as a tenant; most are not: tokens expired, from another issuer,
 * signed by a stranger, unsigned ({@code alg: none}), tampered with after signing, cut short, with extra segments,
 * not base64, huge, with a hostile tenant claim; API keys unknown, empty, huge, the hash instead of the key; both
 * headers at once, and none.
 */
final class HostileCredentials {
    /** The API key header (the security module's {@code API_KEY}). */
    static final String API_KEY = "X-Api-Key";

    private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();

    private HostileCredentials() {}

    /**
     * @param issuer the issuer the service under test trusts
     * @param apiKey an API key the service knows
     */
    static Arbitrary<List<Map.Entry<String, String>>> of(TestTokenIssuer issuer, String apiKey) {
        String good = issuer.token("globex");
        String[] parts = good.split("\\.");
        List<String> tokens = List.of(
                issuer.expired("globex"),
                issuer.fromOtherIssuer("globex"),
                issuer.signedByStranger("globex"),
                // The payload of another tenant under globex's signature.
                parts[0] + "."
                        + URL.encodeToString(json("{\"iss\":\"" + TestTokenIssuer.ISSUER + "\",\"tenant\":\"acme\","
                                + "\"sub\":\"x\",\"exp\":4102444800}"))
                        + "." + parts[2],
                // Unsigned.
                URL.encodeToString(json("{\"alg\":\"none\",\"typ\":\"JWT\"}")) + "." + parts[1] + ".",
                URL.encodeToString(json("{\"alg\":\"HS256\",\"typ\":\"JWT\"}")) + "." + parts[1] + "." + parts[2],
                good.substring(0, good.length() / 2),
                good + ".extra",
                parts[0] + "." + parts[1],
                "not.a.jwt",
                "...",
                "ey" + "A".repeat(20_000),
                good.replace('-', '+').replace('_', '/') + "==",
                "\u00e9\u00e8." + parts[1] + "." + parts[2],
                issuer.token(Map.of("tenant", "../acme")),
                issuer.token(Map.of("tenant", "t".repeat(65))),
                issuer.token(Map.of("tenant", "")),
                issuer.token(Map.of("tenant", 42)),
                issuer.token(Map.of("tenant", List.of("acme", "globex"))),
                issuer.token(Map.of("groups", List.of("courier-service"))));
        Arbitrary<String> hostileToken = Arbitraries.of(tokens);
        Arbitrary<String> hostileKey = Arbitraries.oneOf(
                Arbitraries.of(
                        "",
                        " ",
                        apiKey + "x",
                        apiKey.substring(1),
                        " " + apiKey.toUpperCase(java.util.Locale.ROOT),
                        AuthenticationIT.sha256(apiKey),
                        "k".repeat(8_000),
                        "\u00ff\u00fe"),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(60));
        Arbitrary<String> authorization = Arbitraries.oneOf(
                hostileToken.map(token -> "Bearer " + token),
                Arbitraries.of(
                        "Bearer",
                        "Bearer ",
                        "bearer " + good,
                        "BEARER  " + good,
                        "Basic dXNlcjpwYXNz",
                        "Token " + good,
                        good,
                        "Bearer " + good + " " + good,
                        "ApiKey " + apiKey));
        return Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.just(List.of(Map.entry(API_KEY, apiKey)))),
                Tuple.of(15, Arbitraries.just(List.of(Map.entry("Authorization", "Bearer " + good)))),
                Tuple.of(25, authorization.map(value -> List.of(Map.entry("Authorization", value)))),
                Tuple.of(15, hostileKey.map(value -> List.of(Map.entry(API_KEY, value)))),
                Tuple.of(
                        5,
                        hostileKey.map(
                                key -> List.of(Map.entry(API_KEY, key), Map.entry("Authorization", "Bearer " + good)))),
                Tuple.of(5, Arbitraries.just(List.of(Map.entry(API_KEY, apiKey), Map.entry(API_KEY, "other")))),
                Tuple.of(15, Arbitraries.just(List.of())));
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
