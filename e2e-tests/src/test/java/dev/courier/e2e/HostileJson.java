package dev.courier.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Hostile JSON text for {@link HostileRequests}: invocation requests that are valid, valid but for one hostile field,
 * truncated, with duplicate keys, or not JSON at all; and hostile JSON values (deep nesting, huge numbers, wrong
 * types, very long strings, unicode edge cases, NUL escapes).
 */
final class HostileJson {
    private HostileJson() {}

    /** The fields an invocation request may have, with a valid value each. */
    private static final List<String[]> FIELDS = List.of(
            new String[] {"headers", "{\"X-Tenant\":\"acme\"}"},
            new String[] {"query", "{\"page\":[\"1\"]}"},
            new String[] {"body", "{\"order\":42}"},
            new String[] {"contentType", "\"application/json\""},
            new String[] {"callback", "{\"url\":\"https://example.com/cb\",\"headers\":{\"X-Cb\":\"1\"}}"},
            new String[] {"correlationId", "\"conv-1\""},
            new String[] {"timeoutSeconds", "30"},
            new String[] {"delaySeconds", "600"},
            new String[] {"deliverAt", "\"2030-01-01T00:00:00Z\""},
            new String[] {"expiresAt", "\"2030-01-01T00:00:00Z\""},
            new String[] {"maxAgeSeconds", "3600"},
            new String[] {"retry", "{\"maxAttempts\":3,\"initialBackoffMs\":100,\"maxBackoffMs\":1000,\"multiplier\":2}"
            },
            new String[] {"idempotencyKey", "\"fuzz-body-key\""},
            new String[] {"orderingKey", "\"cust-1\""},
            new String[] {"recordResponse", "true"},
            new String[] {"invokeType", "\"sync\""},
            new String[] {"bodyBase64", "\"aGVsbG8=\""},
            new String[] {"bodyRef", "{\"object\":\"bodies/x\",\"sha256\":\"00\",\"size\":1,\"format\":\"json\"}"},
            new String[] {"id", "\"01ARZ3NDEKTSV4RRFFQ69G5FAV\""});

    private static final List<String> TARGETS = List.of(
            "{\"type\":\"http\",\"url\":\"https://example.com/orders\"}",
            "{\"type\":\"http\",\"url\":\"https://example.com/orders\",\"method\":\"PUT\"}",
            "{\"type\":\"http\",\"route\":\"billing\",\"path\":\"orders/42\"}",
            "{\"type\":\"function\",\"functionId\":\"ocid1.fnfunc.oc1..aaaa\"}",
            "{\"type\":\"function\",\"functionId\":\"ocid1.fnfunc.oc1..aaaa\","
                    + "\"invokeEndpoint\":\"https://fn.example.com\"}");

    /** The sub-fields of a target, for hostile values in them. */
    private static final List<String> TARGET_FIELDS =
            List.of("type", "url", "method", "route", "path", "functionId", "invokeEndpoint");

    /** An invocation request document (text; not always JSON). */
    static Arbitrary<String> invocation() {
        return Arbitraries.frequencyOf(
                Tuple.of(25, valid()),
                Tuple.of(30, withHostileField()),
                Tuple.of(8, withHostileTargetField()),
                Tuple.of(10, valid().flatMap(HostileJson::truncated)),
                Tuple.of(5, valid().map(HostileJson::duplicateKey)),
                Tuple.of(7, value()),
                Tuple.of(10, notJson()),
                Tuple.of(5, valid().map(v -> v.replaceFirst("\\{", "{\"body\":" + deepArray(2000) + ","))));
    }

    /** A batch document, {@code {"requests": [...]}}, or something that looks like one. */
    static Arbitrary<String> batch() {
        Arbitrary<String> items =
                invocation().filter(item -> !item.isEmpty()).list().ofMaxSize(8).map(list -> String.join(",", list));
        return Arbitraries.frequencyOf(
                Tuple.of(50, items.map(joined -> "{\"requests\":[" + joined + "]}")),
                Tuple.of(
                        5,
                        Arbitraries.of(0, 1, 500, 501)
                                .map(n -> "{\"requests\":["
                                        + String.join(
                                                ",",
                                                java.util.Collections.nCopies(n, "{\"target\":{\"type\":\"http\"}}"))
                                        + "]}")),
                Tuple.of(5, items.map(joined -> "{\"requests\":[" + joined + "],\"requests\":[]}")),
                Tuple.of(5, items.map(joined -> "{\"requests\":[" + joined + "],\"extra\":1}")),
                Tuple.of(5, items.map(joined -> "{\"requests\":[" + joined + "]} trailing")),
                Tuple.of(10, value().map(v -> "{\"requests\":" + v + "}")),
                Tuple.of(
                        10,
                        items.map(joined -> "{\"requests\":[" + joined + "]}").flatMap(HostileJson::truncated)),
                Tuple.of(10, invocation()));
    }

    /**
     * A schedule document. Valid crons fire rarely (a schedule that fires every second, hundreds of them, would load
     * the run with invocations, not test the endpoint); hostile ones are anything.
     */
    static Arbitrary<String> schedule() {
        Arbitrary<String> cron = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("\"0 0 9 ? * MON-FRI\"", "\"0 30 2 * * ?\"", "\"0 0 0 1 * ?\"")),
                Tuple.of(
                        3,
                        Arbitraries.of(
                                "\"* * * *\"",
                                "\"61 * * * * ?\"",
                                "\"0 0 0 31 2 ?\"",
                                "\"0 0 0 ? * MON-FRI-SUN\"",
                                "\"0/0 * * * * ?\"",
                                "\"L W # ? * *\"",
                                "\"" + "* ".repeat(500) + "\"")),
                Tuple.of(3, value()));
        Arbitrary<String> zone = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of("\"UTC\"", "\"Europe/Paris\"")),
                Tuple.of(2, Arbitraries.of("\"Mars/Olympus\"", "\"+25:00\"", "\"GMT+99\"", "\"../../etc/localtime\"")),
                Tuple.of(2, value()));
        Arbitrary<String> request = Arbitraries.frequencyOf(Tuple.of(6, valid()), Tuple.of(4, invocation()));
        Arbitrary<String> extra = Arbitraries.of(
                "",
                ",\"description\":\"fuzz\"",
                ",\"missedFires\":\"fire-once\"",
                ",\"missedFires\":\"sometimes\"",
                ",\"id\":\"mine\"",
                ",\"unknown\":1",
                ",\"description\":\"" + "d".repeat(70_000) + "\"");
        return Arbitraries.frequencyOf(
                Tuple.of(
                        80,
                        Combinators.combine(cron, zone, request, extra)
                                .as((c, z, r, e) ->
                                        "{\"cron\":" + c + ",\"timeZone\":" + z + ",\"request\":" + r + e + "}")),
                Tuple.of(10, value()),
                Tuple.of(10, notJson()));
    }

    /** A replay document: a window of failures to enqueue again, with filters. */
    static Arbitrary<String> replay() {
        Arbitrary<String> time = Arbitraries.frequencyOf(
                Tuple.of(
                        5,
                        Arbitraries.of(
                                "\"2026-12-01T00:00:00Z\"",
                                "\"2026-12-02T00:00:00Z\"",
                                "\"2026-12-03T00:00:00+01:00\"")),
                Tuple.of(
                        3,
                        Arbitraries.of(
                                "\"2026-12-01\"",
                                "\"2020-01-01T00:00:00Z\"",
                                "\"+999999999-12-31T23:59:59Z\"",
                                "\"2026-12-01T00:00:00\"")),
                Tuple.of(2, value()));
        Arbitrary<String> filters = Arbitraries.of(
                "",
                ",\"condition\":\"RetriesExhausted\"",
                ",\"condition\":\"Success\"",
                ",\"errorCode\":\"TargetTimeout\"",
                ",\"id\":\"fuzz-replay\"",
                ",\"id\":\"../x\"",
                ",\"target\":{\"type\":\"http\",\"url\":\"https://e.example\"}",
                ",\"target\":{\"type\":\"http\"}",
                ",\"target\":\"x\"",
                ",\"unknown\":true");
        return Arbitraries.frequencyOf(
                Tuple.of(
                        80,
                        Combinators.combine(time, time, filters)
                                .as((from, to, f) -> "{\"from\":" + from + ",\"to\":" + to + f + "}")),
                Tuple.of(10, value()),
                Tuple.of(10, notJson()));
    }

    private static Arbitrary<String> valid() {
        Arbitrary<List<String[]>> optional =
                Arbitraries.of(FIELDS.subList(0, 17)).set().ofMaxSize(4).map(ArrayList::new);
        return Combinators.combine(Arbitraries.of(TARGETS), optional).as((target, fields) -> {
            StringBuilder json = new StringBuilder("{\"target\":").append(target);
            for (String[] field : fields) {
                json.append(",\"").append(field[0]).append("\":").append(field[1]);
            }
            return json.append('}').toString();
        });
    }

    private static Arbitrary<String> withHostileField() {
        Arbitrary<String> name = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.of(FIELDS).map(f -> f[0])),
                Tuple.of(1, Arbitraries.of("target", "", "\\u0000", "__proto__", "constructor", "x".repeat(5000))));
        return Combinators.combine(Arbitraries.of(TARGETS), name, value())
                .as((target, field, value) -> field.equals("target")
                        ? "{\"target\":" + value + "}"
                        : "{\"target\":" + target + ",\"" + field + "\":" + value + "}");
    }

    private static Arbitrary<String> withHostileTargetField() {
        return Combinators.combine(Arbitraries.of(TARGET_FIELDS), value(), Arbitraries.of("http", "function"))
                .as((field, value, type) -> "{\"target\":{\"type\":\"" + type + "\",\"url\":\"https://e.example\","
                        + "\"functionId\":\"ocid1.fnfunc.oc1..a\",\"" + field + "\":" + value + "}}");
    }

    /** The text cut short at a random point. */
    private static Arbitrary<String> truncated(String json) {
        return Arbitraries.integers().between(0, Math.max(0, json.length() - 1)).map(at -> json.substring(0, at));
    }

    private static String duplicateKey(String json) {
        return json.replaceFirst(
                "\\{\"target\":",
                "{\"target\":{\"type\":\"function\",\"functionId\":\"ocid1.fnfunc.oc1..x\"},\"target\":");
    }

    /** A JSON value meant to break something: wrong types, extremes, deep nesting, unicode edge cases. */
    static Arbitrary<String> value() {
        Arbitrary<String> scalars = Arbitraries.of(
                "null",
                "true",
                "false",
                "0",
                "-0",
                "-1",
                "1.5",
                "1e308",
                "1e309",
                "-1e309",
                "1e-400",
                "1E999999999",
                "9223372036854775807",
                "9223372036854775808",
                "-9223372036854775809",
                "2147483648",
                "4294967296",
                "0.1e1",
                "1" + "0".repeat(999),
                "1" + "0".repeat(1200),
                "0." + "0".repeat(5000) + "1",
                "\"\"",
                "\" \"",
                "\"\\u0000\"",
                "\"a\\u0000b\"",
                "\"\\ud800\"",
                "\"\\udc00\\ud800\"",
                "\"\\uffff\\ufffe\"",
                "\"\\u202eevil\"",
                "\"\\u200b\\u200d\\ufeff\"",
                "\"😀👨‍👩‍👧‍👦\"",
                "\"e\\u0301\\u0301\\u0301\"",
                "\"\\r\\nX-Injected: 1\"",
                "\"../../etc/passwd\"",
                "\"${jndi:ldap://127.0.0.1/a}\"",
                "\"javascript:alert(1)\"",
                "\"file:///etc/passwd\"",
                "\"http://169.254.169.254/latest/meta-data/\"",
                "\"http://[::1]:99999/\"",
                "\"2026-13-45T99:99:99Z\"",
                "\"+999999999-12-31T23:59:59Z\"",
                "\"-999999999-01-01T00:00:00Z\"",
                "\"CONNECT\"",
                "\"lambda\"",
                "\"not base64 !!\"",
                "[]",
                "{}",
                "[null]",
                "{\"\":\"\"}",
                "{\"a\":1,\"a\":2}");
        Arbitrary<String> longStrings =
                Arbitraries.of(300, 5000, 70_000, 600_000).map(n -> "\"" + "x".repeat(n) + "\"");
        Arbitrary<String> generatedStrings =
                Arbitraries.strings().all().ofMaxLength(30).map(HostileJson::quoted);
        Arbitrary<String> numbers = Arbitraries.oneOf(
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.doubles().map(d -> Double.isFinite(d) ? Double.toString(d) : "0"),
                Arbitraries.bigIntegers()
                        .between(java.math.BigInteger.TEN.pow(30).negate(), java.math.BigInteger.TEN.pow(30))
                        .map(String::valueOf));
        Arbitrary<String> deep = Arbitraries.of(100, 999, 1001, 5000, 100_000)
                .flatMap(depth -> Arbitraries.of(deepArray(depth), deepObject(depth)));
        Arbitrary<String> wide = Arbitraries.of(1000, 50_000)
                .flatMap(n -> Arbitraries.of(
                        "[" + String.join(",", java.util.Collections.nCopies(n, "1")) + "]",
                        "{"
                                + java.util.stream.IntStream.range(0, n)
                                        .mapToObj(i -> "\"k" + i + "\":" + i)
                                        .collect(Collectors.joining(","))
                                + "}"));
        return Arbitraries.frequencyOf(
                Tuple.of(40, scalars),
                Tuple.of(5, longStrings),
                Tuple.of(15, generatedStrings),
                Tuple.of(15, numbers),
                Tuple.of(8, deep),
                Tuple.of(3, wide),
                Tuple.of(14, notJson()));
    }

    /** Text that is not JSON (or not only JSON). */
    private static Arbitrary<String> notJson() {
        return Arbitraries.oneOf(
                Arbitraries.of(
                        "",
                        " ",
                        "{",
                        "}",
                        "[",
                        "{\"target\":",
                        "{\"target\":{\"type\":\"http\",\"url\":\"https://e.example\"}}}",
                        "{\"target\":{\"type\":\"http\",\"url\":\"https://e.example\"}} {}",
                        "{'target':{'type':'http'}}",
                        "{target:{type:\"http\"}}",
                        "{\"target\":{\"type\":\"http\",},}",
                        "{\"a\":NaN}",
                        "{\"a\":Infinity}",
                        "{\"a\":-Infinity}",
                        "{\"a\":012}",
                        "{\"a\":0x10}",
                        "{\"a\":.5}",
                        "{\"a\":+1}",
                        "{\"a\":1.}",
                        "{\"a\":\"\u0000\"}",
                        "{\"a\":\"\t\n\"}",
                        "{\"a\":\"\\x41\"}",
                        "{\"a\":\"\\u12\"}",
                        "{\"a\":\"unterminated}",
                        "/* comment */ {}",
                        "// comment\n{}",
                        "{\"a\":1 /* c */}",
                        "\u0000",
                        "\u0000{}",
                        "null",
                        "nul",
                        "truefalse",
                        "<?xml version=\"1.0\"?><a/>",
                        "a=1&b=2",
                        "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--xyz--"),
                Arbitraries.strings().all().ofMaxLength(50));
    }

    static String deepArray(int depth) {
        return "[".repeat(depth) + "]".repeat(depth);
    }

    private static String deepObject(int depth) {
        return "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
    }

    /** {@code s} as a JSON string, with control characters escaped (lone surrogates stay, as \\u escapes). */
    private static String quoted(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }
}
