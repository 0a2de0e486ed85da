package dev.courier.e2e;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.courier.testing.http.RawHttp;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomGenerator;
import net.jqwik.api.Tuple;
import net.jqwik.api.sessions.JqwikSession;

/**
 * Generates hostile HTTP requests for a table of endpoints, with jqwik's {@link Arbitraries} as the generators.
 *
 * <p>Each request is one endpoint of the table with hostile parts: its method (usually the endpoint's, sometimes a
 * strange one), its path (the template's placeholders filled with valid values or hostile segments: traversal,
 * percent-encoding, NUL, very long, unicode), a query string, headers (Courier's control headers, {@code Prefer},
 * {@code Idempotency-Key}, conditional and media type headers with hostile values, CR LF injection, oversized and
 * many headers) and a body of the endpoint's kind (hostile JSON: deep nesting, huge numbers, wrong types, duplicate
 * keys, invalid UTF-8, NUL bytes, very long strings, unicode edge cases, truncated documents).
 *
 * <p>Generation is deterministic: request {@code i} of a run comes from a {@link Random} seeded with the run's seed
 * and {@code i}, whatever threads send it.
 */
final class HostileRequests {
    private static final int GEN_SIZE = 1000;
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z]+)}");

    /** What an endpoint takes as its body. */
    enum BodyKind {
        /** No body (GET, DELETE): any body sent is hostile. */
        NONE,
        /** An invocation request, JSON. */
        INVOCATION,
        /** A batch of invocation requests, {@code {"requests": [...]}}. */
        BATCH,
        /** A cron schedule, {@code {"cron", "timeZone", "request", ...}}. */
        SCHEDULE,
        /** A replay of failures, {@code {"from", "to", ...}}. */
        REPLAY,
        /** Any bytes with any media type (a cached value, a relayed body). */
        BYTES
    }

    /**
     * One row of a service's endpoint table.
     *
     * @param method the method, or {@code ANY} for every method
     * @param pathTemplate the path, with placeholders such as {@code {id}} that {@link HostileRequests} fills
     * @param body what the endpoint takes as its body
     */
    record Endpoint(String method, String pathTemplate, BodyKind body) {
        static Endpoint of(String method, String pathTemplate, BodyKind body) {
            return new Endpoint(method, pathTemplate, body);
        }

        @Override
        public String toString() {
            return method + " " + pathTemplate;
        }
    }

    private final Arbitrary<RawHttp.Request> requests;

    /**
     * @param endpoints the service's endpoint table
     * @param validValues valid values per placeholder name (e.g. {@code id} → ids of invocations that exist), used
     *     for part of the requests so that they get past the first check
     */
    HostileRequests(List<Endpoint> endpoints, Map<String, List<String>> validValues) {
        this(Arbitraries.of(endpoints).flatMap(endpoint -> request(endpoint, validValues)));
    }

    private HostileRequests(Arbitrary<RawHttp.Request> requests) {
        this.requests = requests;
    }

    /**
     * The same requests, each with the header lines of one of {@code credentials} in front of its own (which may hold
     * a hostile {@code Authorization} of their own too): for a service whose auth gate is on.
     */
    HostileRequests withCredentials(Arbitrary<List<Map.Entry<String, String>>> credentials) {
        return new HostileRequests(requests.flatMap(request -> credentials.map(lines -> {
            List<Map.Entry<String, String>> headers = new ArrayList<>(lines);
            headers.addAll(request.headers());
            return new RawHttp.Request(
                    request.method(), request.target(), headers, request.body(), request.framing(), request.label());
        })));
    }

    /**
     * Calls {@code each} with requests {@code 0} to {@code count - 1} of the run with {@code seed}, in order, on the
     * calling thread. Request {@code i} comes from a {@link Random} seeded with {@code seed} and {@code i}, so it is
     * the same in every run with that seed, whatever was generated before it.
     */
    void generate(long seed, int count, java.util.function.Consumer<RawHttp.Request> each) {
        // Outside a jqwik property, generators need a session (jqwik memoizes them in its lifecycle store).
        JqwikSession.start();
        try {
            RandomGenerator<RawHttp.Request> generator = requests.generator(GEN_SIZE);
            for (int i = 0; i < count; i++) {
                each.accept(generator.next(new Random(seed * 1_000_003L + i)).value());
            }
        } finally {
            JqwikSession.finish();
        }
    }

    private static Arbitrary<RawHttp.Request> request(Endpoint endpoint, Map<String, List<String>> validValues) {
        return Combinators.combine(
                        method(endpoint),
                        path(endpoint, validValues),
                        query(),
                        headers(endpoint.body()),
                        body(endpoint.body()),
                        framing())
                .as((method, path, query, headers, body, framing) -> new RawHttp.Request(
                        method, path + query, headers, body.orElse(null), framing, endpoint.toString()));
    }

    // ---- methods

    private static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");

    private static Arbitrary<String> method(Endpoint endpoint) {
        Arbitrary<String> own =
                endpoint.method().equals("ANY") ? Arbitraries.of(METHODS) : Arbitraries.just(endpoint.method());
        Arbitrary<String> strange = Arbitraries.of(
                "TRACE",
                "CONNECT",
                "PROPFIND",
                "MKCOL",
                "LOCK",
                "BREW",
                "get",
                "Post",
                "FOO",
                "M-SEARCH",
                "GET\u0000",
                "POST\t",
                "X".repeat(10_000),
                "");
        return Arbitraries.frequencyOf(Tuple.of(85, own), Tuple.of(10, Arbitraries.of(METHODS)), Tuple.of(5, strange));
    }

    // ---- paths

    private static Arbitrary<String> path(Endpoint endpoint, Map<String, List<String>> validValues) {
        Matcher matcher = PLACEHOLDER.matcher(endpoint.pathTemplate());
        List<String> literals = new ArrayList<>();
        List<Arbitrary<String>> segments = new ArrayList<>();
        int at = 0;
        while (matcher.find()) {
            literals.add(endpoint.pathTemplate().substring(at, matcher.start()));
            segments.add(segment(validValues.getOrDefault(matcher.group(1), List.of("x"))));
            at = matcher.end();
        }
        String tail = endpoint.pathTemplate().substring(at);
        Arbitrary<String> filled = Arbitraries.just("");
        for (int i = 0; i < segments.size(); i++) {
            String literal = literals.get(i);
            filled = Combinators.combine(filled, segments.get(i)).as((soFar, value) -> soFar + literal + value);
        }
        Arbitrary<String> path = filled.map(soFar -> soFar + tail);
        return Combinators.combine(path, pathMutation()).as((p, mutation) -> mutation.apply(p));
    }

    /** A placeholder's value: a valid one, or a hostile one. */
    private static Arbitrary<String> segment(List<String> valid) {
        Arbitrary<String> hostile = Arbitraries.of(
                "..",
                ".",
                "%2e%2e",
                "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                "..%2F..%2F..%2Fetc%2Fpasswd",
                "../../../../etc/passwd",
                "%252e%252e",
                "%c0%ae%c0%ae",
                "%00",
                "a%00b",
                "%",
                "%ZZ",
                "%e2%80%ae",
                "%ff%fe",
                "%F0%9F%98%80",
                "😀",
                "\u202Eevil",
                "a b",
                "a%20b",
                "a+b",
                "a;b=c",
                "a?b",
                "a#b",
                "a\\b",
                "~root",
                "$%7Bjndi:ldap://127.0.0.1/x%7D",
                "%0d%0aX-Injected:%201",
                "\u00ff\u00fe",
                "01ARZ3NDEKTSV4RRFFQ69G5FAV",
                "00000000000000000000000000",
                "ZZZZZZZZZZZZZZZZZZZZZZZZZZ",
                "7ZZZZZZZZZZZZZZZZZZZZZZZZZ",
                "0".repeat(27),
                "-1",
                "null",
                "undefined",
                "courier.status",
                "courier.idempotency",
                "courier.cancellations");
        Arbitrary<String> generated = Arbitraries.strings()
                .withCharRange('!', '~')
                .ofMinLength(1)
                .ofMaxLength(40)
                .map(HostileRequests::percentEncodeSlashFree);
        Arbitrary<String> unicode =
                Arbitraries.strings().all().ofMinLength(1).ofMaxLength(12).map(HostileRequests::utf8Percent);
        Arbitrary<String> longSegment = Arbitraries.of(600, 3000, 9000, 70_000).map("k"::repeat);
        return Arbitraries.frequencyOf(
                Tuple.of(45, Arbitraries.of(valid)),
                Tuple.of(30, hostile),
                Tuple.of(10, generated),
                Tuple.of(10, unicode),
                Tuple.of(5, longSegment));
    }

    private static Arbitrary<java.util.function.UnaryOperator<String>> pathMutation() {
        List<java.util.function.UnaryOperator<String>> mutations = List.of(
                p -> p + "/",
                p -> "/" + p,
                p -> p.replaceFirst("/v1/", "/v1/./"),
                p -> p.replaceFirst("/v1/", "/v1/x/../"),
                p -> p.replaceFirst("/v1/", "/v1%2F"),
                p -> p.replaceFirst("/v1/", "/%76%31/"),
                p -> p.toUpperCase(),
                p -> p + "/..",
                p -> p + "/../../../q/health",
                p -> p + ";jsessionid=1",
                p -> p + "#fragment",
                p -> "http://127.0.0.1" + p,
                p -> "http://evil.example" + p,
                p -> "*",
                p -> p.substring(1),
                p -> p + "/" + "a/".repeat(2000),
                p -> p + "\u00e9",
                p -> p + "%");
        return Arbitraries.frequencyOf(
                Tuple.of(85, Arbitraries.just(java.util.function.UnaryOperator.identity())),
                Tuple.of(15, Arbitraries.of(mutations)));
    }

    // ---- query strings

    private static Arbitrary<String> query() {
        Arbitrary<String> fixed = Arbitraries.of(
                "?",
                "?&&&",
                "?=",
                "?a",
                "?a=%",
                "?a=%ZZ",
                "?a=%00",
                "?ttlSeconds=60",
                "?ttlSeconds=-1",
                "?ttlSeconds=0",
                "?ttlSeconds=99999999999999999999",
                "?ttlSeconds=1e3",
                "?ttlSeconds=60&ttlSeconds=61",
                "?limit=1",
                "?limit=0",
                "?limit=-5",
                "?limit=abc",
                "?limit=99999999999",
                "?limit=1.5",
                "?prefix=%00&cursor=%FF",
                "?prefix=" + "p".repeat(5000),
                "?cursor=zzzz&limit=1000",
                "?format=json",
                "?lang=en&lang=fr&lang=%E2%80%AE",
                "?a=1&a=2&a=3&b=" + "x".repeat(3000),
                "?" + "a=1&".repeat(2000),
                "?%0d%0aSet-Cookie:x=1",
                "?q=<script>alert(1)</script>",
                "?q=${jndi:ldap://127.0.0.1/a}",
                "?q=\u00ff",
                "?q=😀");
        Arbitrary<String> generated = Arbitraries.strings()
                .withCharRange('!', '~')
                .ofMaxLength(60)
                .map(s -> "?" + s.replace(" ", "%20").replace("#", "%23"));
        return Arbitraries.frequencyOf(
                Tuple.of(65, Arbitraries.just("")), Tuple.of(25, fixed), Tuple.of(10, generated));
    }

    // ---- headers

    private static Arbitrary<List<Map.Entry<String, String>>> headers(BodyKind kind) {
        Arbitrary<List<Map.Entry<String, String>>> hostile = header().list().ofMaxSize(6);
        return Combinators.combine(contentType(kind), hostile, bulk()).as((contentType, extra, bulk) -> {
            List<Map.Entry<String, String>> all = new ArrayList<>();
            contentType.ifPresent(value -> all.add(Map.entry("Content-Type", value)));
            all.addAll(extra);
            all.addAll(bulk);
            return all;
        });
    }

    private static Arbitrary<java.util.Optional<String>> contentType(BodyKind kind) {
        String usual =
                switch (kind) {
                    case INVOCATION, BATCH, SCHEDULE, REPLAY -> "application/json";
                    case BYTES -> "text/plain";
                    case NONE -> "application/json";
                };
        Arbitrary<String> strange = Arbitraries.of(
                "application/json; charset=utf-16",
                "application/json; charset=bogus",
                "application/json;;;",
                "application/json; charset=\"",
                "application/JSON",
                "application/problem+json",
                "application/vnd.api+json",
                "application/xml",
                "text/plain",
                "text/html; charset=utf-8",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz",
                "multipart/form-data",
                "application/octet-stream",
                "*/*",
                "*",
                "/",
                "json",
                "",
                ";",
                "application/json\u0000",
                "application/" + "j".repeat(5000),
                "\u00ff/\u00fe",
                "😀/😀");
        return Arbitraries.frequencyOf(
                Tuple.of(70, Arbitraries.just(usual).optional(1.0)),
                Tuple.of(10, Arbitraries.just(java.util.Optional.<String>empty())),
                Tuple.of(20, strange.optional(1.0)));
    }

    /** A few hostile header lines, sometimes many or large ones. */
    private static Arbitrary<List<Map.Entry<String, String>>> bulk() {
        Arbitrary<List<Map.Entry<String, String>>> many = Arbitraries.of(50, 200, 1000)
                .map(n -> {
                    List<Map.Entry<String, String>> lines = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        lines.add(Map.entry("X-Many-" + i, "v" + i));
                    }
                    return lines;
                });
        Arbitrary<List<Map.Entry<String, String>>> large =
                Arbitraries.of(4_000, 9_000, 30_000, 70_000).map(n -> List.of(Map.entry("X-Large", "v".repeat(n))));
        Arbitrary<List<Map.Entry<String, String>>> repeated = Arbitraries.just(
                List.of(Map.entry("Content-Type", "text/plain"), Map.entry("Content-Type", "application/json")));
        return Arbitraries.frequencyOf(
                Tuple.of(94, Arbitraries.just(List.of())),
                Tuple.of(2, many),
                Tuple.of(2, large),
                Tuple.of(2, repeated));
    }

    private static Arbitrary<Map.Entry<String, String>> header() {
        return Arbitraries.frequencyOf(
                Tuple.of(18, named("Prefer", preferValue())),
                Tuple.of(14, named("Idempotency-Key", idempotencyKey())),
                Tuple.of(4, named("Courier-Deliver-At", dateValue())),
                Tuple.of(4, named("Courier-Callback", urlValue())),
                Tuple.of(4, named("Courier-Correlation-Id", hostileValue())),
                Tuple.of(4, named("Courier-Timeout", numberValue())),
                Tuple.of(4, named("Courier-Max-Attempts", numberValue())),
                Tuple.of(4, named("Courier-Ordering-Key", hostileValue())),
                Tuple.of(6, named("Courier-Cache-Min-Token", tokenValue())),
                Tuple.of(5, named("Courier-Status-Wait", numberValue())),
                Tuple.of(4, named("If-Match", etagValue())),
                Tuple.of(4, named("If-None-Match", etagValue())),
                Tuple.of(3, named("opc-request-id", hostileValue())),
                Tuple.of(3, named("traceparent", traceparent())),
                Tuple.of(
                        3,
                        named(
                                Arbitraries.of("Authorization", "Cookie", "X-Signing-Token", "Proxy-Authorization"),
                                hostileValue())),
                Tuple.of(
                        3,
                        named(
                                Arbitraries.of("Content-Encoding", "Transfer-Encoding", "TE"),
                                Arbitraries.of(
                                        "gzip",
                                        "br",
                                        "deflate",
                                        "identity",
                                        "chunked",
                                        "chunked, gzip",
                                        "xchunked",
                                        "trailers",
                                        ""))),
                Tuple.of(
                        3,
                        named(
                                Arbitraries.of("Accept", "Accept-Charset", "Accept-Encoding", "Accept-Language"),
                                Arbitraries.of(
                                        "application/xml",
                                        "*/*;q=abc",
                                        "text/html",
                                        "application/json;q=0",
                                        "utf-16",
                                        "gzip;q=1e999",
                                        "",
                                        "😀"))),
                Tuple.of(2, named("Expect", Arbitraries.of("100-continue", "200-ok", ""))),
                Tuple.of(
                        2,
                        named(
                                Arbitraries.of("Content-Length"),
                                Arbitraries.of("abc", "-1", "99999999999999999999", "1, 1", " 0 ", "0x10"))),
                Tuple.of(
                        2,
                        named(
                                Arbitraries.of("Upgrade", "Connection"),
                                Arbitraries.of("h2c", "websocket", "keep-alive, Upgrade", "TE"))),
                Tuple.of(
                        2,
                        named(
                                Arbitraries.of(
                                        "X-Forwarded-For",
                                        "X-Forwarded-Host",
                                        "X-Forwarded-Proto",
                                        "Forwarded",
                                        "Host",
                                        "Origin"),
                                hostileValue())),
                Tuple.of(4, named(headerName(), hostileValue())));
    }

    private static Arbitrary<Map.Entry<String, String>> named(String name, Arbitrary<String> values) {
        return named(Arbitraries.just(name), values);
    }

    private static Arbitrary<Map.Entry<String, String>> named(Arbitrary<String> names, Arbitrary<String> values) {
        return Combinators.combine(names, values).as(Map::entry);
    }

    private static Arbitrary<String> headerName() {
        return Arbitraries.frequencyOf(
                Tuple.of(
                        3,
                        Arbitraries.strings()
                                .withCharRange('a', 'z')
                                .withChars('-')
                                .ofMinLength(1)
                                .ofMaxLength(20)),
                Tuple.of(
                        1,
                        Arbitraries.of(
                                "X Space",
                                "X(y)",
                                "X\u0000",
                                "\u00ff-name",
                                "😀",
                                "N".repeat(9000),
                                "Courier-",
                                "courier-attempt",
                                "idempotency-key")));
    }

    private static Arbitrary<String> hostileValue() {
        return Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(40)),
                Tuple.of(
                        1,
                        Arbitraries.strings()
                                .withCharRange('\u0080', '\u00ff')
                                .ofMinLength(1)
                                .ofMaxLength(10)),
                Tuple.of(1, Arbitraries.strings().all().ofMinLength(1).ofMaxLength(10)),
                Tuple.of(
                        3,
                        Arbitraries.of(
                                "",
                                " ",
                                "a\r\nX-Injected: 1",
                                "a\r\n\r\nGET /q/health HTTP/1.1",
                                "a\nX-Bare-Lf: 1",
                                "a\rb",
                                "a\u0000b",
                                "a\r\n continued",
                                "\t",
                                "😀",
                                "\u202Eevil",
                                "${jndi:ldap://127.0.0.1/a}",
                                "<script>alert(1)</script>",
                                "' OR 1=1 --",
                                "x".repeat(300),
                                "x".repeat(5000))));
    }

    private static Arbitrary<String> preferValue() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "wait=1",
                        "wait=0",
                        "wait=-1",
                        "wait=99999999999999999999",
                        "wait=abc",
                        "wait=1.5",
                        "wait=",
                        "wait",
                        "wait=1, wait=2",
                        "respond-async, wait=1",
                        "respond-async",
                        "wait=1;x=y",
                        "wait=\"1\"",
                        "handling=strict",
                        "return=representation",
                        "wait=1,,,,",
                        "=",
                        ",",
                        "wait=1\u0000"),
                hostileValue());
    }

    private static Arbitrary<String> idempotencyKey() {
        return Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("fuzz-key-1", "fuzz-key-2", "fuzz-key-3")),
                Tuple.of(2, Arbitraries.of(255, 256, 1000, 9000).map("k"::repeat)),
                Tuple.of(4, hostileValue()));
    }

    private static Arbitrary<String> dateValue() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "2030-01-01T00:00:00Z",
                        "1970-01-01T00:00:00Z",
                        "2026-13-45T99:99:99Z",
                        "+999999999-12-31T23:59:59Z",
                        "-999999999-01-01T00:00:00Z",
                        "9999-12-31T23:59:59.999999999+18:00",
                        "2026-01-01",
                        "now",
                        "0",
                        "99999999999999999999",
                        "Thu, 01 Jan 2099 00:00:00 GMT"),
                hostileValue());
    }

    private static Arbitrary<String> urlValue() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "http://127.0.0.1:1/cb",
                        "https://example.com/cb",
                        "file:///etc/passwd",
                        "javascript:alert(1)",
                        "http://[::1]:99999/",
                        "http://a b/",
                        "http://user:pass@example.com/",
                        "http://169.254.169.254/latest/meta-data/",
                        "//example.com",
                        "http://" + "a".repeat(3000) + ".com/",
                        "http://%zz/",
                        "gopher://127.0.0.1:25/"),
                hostileValue());
    }

    private static Arbitrary<String> numberValue() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "0",
                        "1",
                        "30",
                        "-1",
                        "3601",
                        "1.5",
                        "1e3",
                        "abc",
                        "",
                        " 5 ",
                        "0x10",
                        "9223372036854775807",
                        "9223372036854775808",
                        "99999999999999999999",
                        "-9223372036854775808",
                        "NaN",
                        "Infinity"),
                Arbitraries.longs().map(String::valueOf),
                hostileValue());
    }

    private static Arbitrary<String> tokenValue() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "0:0",
                        "0:1",
                        "2:0",
                        "99:0",
                        "-1:0",
                        "0:-1",
                        "99999999999:1",
                        "0:99999999999999999999",
                        "2147483647:0",
                        "2147483648:0",
                        "0:",
                        ":0",
                        "a:b",
                        "0:0:0",
                        " 0:0 ",
                        "0-0"),
                Combinators.combine(
                                Arbitraries.integers().between(-3, 5),
                                Arbitraries.longs().between(-2, 50_000))
                        .as((p, o) -> p + ":" + o),
                hostileValue());
    }

    private static Arbitrary<String> etagValue() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "*",
                        "\"0-0\"",
                        "\"0-1\"",
                        "W/\"0-0\"",
                        "\"\"",
                        "\"",
                        "0-0",
                        "\"a\", \"b\"",
                        "* , *",
                        "\"-1--1\""),
                hostileValue());
    }

    private static Arbitrary<String> traceparent() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                        "00-00000000000000000000000000000000-0000000000000000-00",
                        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                        "00-zz-yy-01",
                        "00-4bf92f3577b34da6a3ce929d0e0e4736",
                        "00---",
                        "00-" + "a".repeat(500) + "-00f067aa0ba902b7-01"),
                hostileValue());
    }

    // ---- framing

    private static Arbitrary<RawHttp.Framing> framing() {
        return Arbitraries.frequencyOf(
                Tuple.of(90, Arbitraries.just(RawHttp.Framing.CONTENT_LENGTH)),
                Tuple.of(6, Arbitraries.just(RawHttp.Framing.CHUNKED)),
                Tuple.of(2, Arbitraries.just(RawHttp.Framing.SHORT_CONTENT_LENGTH)),
                Tuple.of(2, Arbitraries.just(RawHttp.Framing.NONE)));
    }

    // ---- bodies

    private static Arbitrary<java.util.Optional<byte[]>> body(BodyKind kind) {
        Arbitrary<byte[]> own =
                switch (kind) {
                    case INVOCATION -> HostileJson.invocation().flatMap(HostileRequests::encoded);
                    case BATCH -> HostileJson.batch().flatMap(HostileRequests::encoded);
                    case SCHEDULE -> HostileJson.schedule().flatMap(HostileRequests::encoded);
                    case REPLAY -> HostileJson.replay().flatMap(HostileRequests::encoded);
                    case BYTES -> bytes();
                    case NONE -> Arbitraries.just(new byte[0]);
                };
        if (kind == BodyKind.NONE) {
            return Arbitraries.frequencyOf(
                    Tuple.of(85, Arbitraries.just(java.util.Optional.<byte[]>empty())),
                    Tuple.of(
                            15,
                            HostileJson.invocation()
                                    .flatMap(HostileRequests::encoded)
                                    .optional(1.0)));
        }
        return Arbitraries.frequencyOf(
                Tuple.of(95, own.optional(1.0)), Tuple.of(5, Arbitraries.just(java.util.Optional.<byte[]>empty())));
    }

    /** Any bytes, as a cached value or a relayed body. */
    private static Arbitrary<byte[]> bytes() {
        return Arbitraries.frequencyOf(
                Tuple.of(30, Arbitraries.strings().ofMaxLength(200).map(s -> s.getBytes(StandardCharsets.UTF_8))),
                Tuple.of(20, Arbitraries.bytes().array(byte[].class).ofMaxSize(2000)),
                Tuple.of(30, HostileJson.value().flatMap(HostileRequests::encoded)),
                Tuple.of(10, Arbitraries.just(new byte[0])),
                Tuple.of(
                        2,
                        Arbitraries.of(999_999, 1_000_001, 1_500_000, 2_500_000).map(n -> new byte[n])));
    }

    private static final List<byte[]> DAMAGE = List.of(
            new byte[] {0},
            new byte[] {(byte) 0xFF},
            new byte[] {(byte) 0xC3, 0x28},
            new byte[] {(byte) 0xC0, (byte) 0xAF},
            new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
            new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            new byte[] {(byte) 0xE2, (byte) 0x82});

    /** The JSON text as bytes: usually UTF-8, sometimes damaged (invalid UTF-8, NUL, BOM) or in another encoding. */
    private static Arbitrary<byte[]> encoded(String json) {
        // One draw, the bytes made from it only once chosen: the text may be large.
        return Combinators.combine(
                        Arbitraries.integers().between(0, 99),
                        Arbitraries.integers().between(0, json.length()),
                        Arbitraries.of(DAMAGE))
                .as((choice, at, damage) -> {
                    if (choice < 80) {
                        return json.getBytes(StandardCharsets.UTF_8);
                    } else if (choice < 84) {
                        return json.getBytes(StandardCharsets.UTF_16LE);
                    } else if (choice < 86) {
                        return json.getBytes(StandardCharsets.UTF_16BE);
                    } else if (choice < 89) {
                        return concat(
                                new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF},
                                json.getBytes(StandardCharsets.UTF_8));
                    }
                    byte[] before = json.substring(0, at).getBytes(StandardCharsets.UTF_8);
                    byte[] after = json.substring(at).getBytes(StandardCharsets.UTF_8);
                    return concat(concat(before, damage), after);
                });
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** Characters other than {@code /} percent-encoded when they must be, so the value stays one segment. */
    private static String percentEncodeSlashFree(String s) {
        StringBuilder out = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '/' || c == '?' || c == '#' || c == '%' || c == ' ') {
                out.append(String.format("%%%02X", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Any text, percent-encoded as UTF-8 (unicode edge cases, lone surrogates as '?'). */
    private static String utf8Percent(String s) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            out.append(String.format("%%%02X", b & 0xFF));
        }
        return out.toString();
    }
}
