package dev.courier.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.courier.testing.http.RawHttp;

/**
 * Sends a run of {@link HostileRequests} to one service and judges every answer.
 *
 * <p>The verdict on each answer: no 5xx; an answer at all (a status line); a 4xx with a body is
 * {@code application/problem+json} whose {@code status} is the response's; no body or header names a Java exception
 * class, a package of the implementation or a stack frame. A 4xx without a body is allowed only from the HTTP codec
 * itself, for a request it cannot parse (a malformed request line or header, a header or URI too large: Vert.x
 * answers those before any of our code runs, so they cannot carry a problem document); those are counted apart.
 */
final class Fuzzer {
    /** The kind of finding that is still open: a request answered neither with a status nor a closed connection. */
    static final String NO_ANSWER = "no answer";

    private static final ObjectMapper JSON = new ObjectMapper();

    /** What must never reach a client: stack frames, exception class names, the implementation's packages. */
    private static final Pattern LEAK = Pattern.compile(
            "\\tat |\\bat [a-z][\\w$]*(\\.[\\w$]+)+\\(|[A-Za-z]+(Exception|Error)\\b(?!-)|\\b(java|javax|jakarta|dev\\.courier"
                    + "|com\\.fasterxml|io\\.vertx|io\\.quarkus|io\\.netty|io\\.smallrye|org\\.jboss|org\\.apache)\\.[a-z]");

    /** Statuses the HTTP codec answers on its own, without a body, to a request it cannot parse. */
    private static final List<Integer> CODEC_REFUSALS = List.of(400, 413, 414, 431);

    private static final int CONCURRENCY = 8;
    private static final int TIMEOUT_MILLIS = 30_000;
    private static final int EXAMPLES_PER_FINDING = 5;

    private Fuzzer() {}

    /** The outcome of a run. */
    static final class Report {
        final AtomicInteger sent = new AtomicInteger();
        final Map<String, AtomicInteger> byStatus = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> byEndpoint = new ConcurrentHashMap<>();
        final AtomicInteger codecRefusals = new AtomicInteger();
        final AtomicInteger waitedForABody = new AtomicInteger();
        final AtomicInteger documentedWaits = new AtomicInteger();
        final AtomicInteger unframed = new AtomicInteger();
        final Map<String, List<String>> findings = new ConcurrentHashMap<>();
        final Map<String, AtomicInteger> findingCounts = new ConcurrentHashMap<>();

        void finding(String kind, RawHttp.Request request, RawHttp.Response response) {
            findingCounts.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
            List<String> examples =
                    findings.computeIfAbsent(kind, k -> Collections.synchronizedList(new ArrayList<>()));
            if (examples.size() < EXAMPLES_PER_FINDING) {
                String body = response.text();
                // Escaped: a finding must be reproducible from its example, whatever characters it holds.
                examples.add(escaped(request.toString()) + "\n      headers "
                        + escaped(abbreviated(request.headers().toString(), 400)) + "\n      body "
                        + escaped(abbreviated(
                                request.body() == null ? "(none)" : new String(request.body(), StandardCharsets.UTF_8),
                                300))
                        + "\n      -> " + response.status() + " "
                        + response.headers().get("content-type") + " "
                        + (response.error() != null ? response.error() : abbreviated(body, 600)));
            }
        }

        /** {@code text} with every character outside printable ASCII written as a Java escape. */
        static String escaped(String text) {
            StringBuilder out = new StringBuilder(text.length());
            text.chars().forEach(c -> {
                if (c >= 0x20 && c < 0x7F && c != '\\') {
                    out.append((char) c);
                } else {
                    out.append(String.format("\\u%04x", c));
                }
            });
            return out.toString();
        }

        String summary(String service, long seed) {
            StringBuilder out = new StringBuilder();
            out.append(String.format(
                    "%s: %d hostile requests (seed %d; -Dcourier.fuzz.seed=%d reproduces them), statuses %s,"
                            + " %d refused by the HTTP codec without a body, %d left waiting for a body they announced"
                            + " and never sent, %d unanswered with raw control characters in the request head,"
                            + " %d documented 503 for a Courier-Cache-Min-Token not applied in time%n",
                    service,
                    sent.get(),
                    seed,
                    seed,
                    new TreeMap<>(byStatus),
                    codecRefusals.get(),
                    waitedForABody.get(),
                    unframed.get(),
                    documentedWaits.get()));
            new TreeMap<>(byEndpoint).forEach((endpoint, n) -> out.append("  ")
                    .append(endpoint)
                    .append(": ")
                    .append(n)
                    .append('\n'));
            findingCounts.forEach((kind, n) -> {
                out.append("FINDING ").append(kind).append(" x").append(n).append('\n');
                findings.get(kind)
                        .forEach(example -> out.append("    ").append(example).append('\n'));
            });
            return out.toString();
        }
    }

    /** Sends {@code count} requests from {@code requests} (run {@code seed}) to {@code 127.0.0.1:port}. */
    static Report run(int port, HostileRequests requests, int count, long seed) throws InterruptedException {
        Report report = new Report();
        ExecutorService senders = Executors.newFixedThreadPool(CONCURRENCY);
        Semaphore inFlight = new Semaphore(CONCURRENCY * 2);
        try {
            // Generated on this thread, in order; sent by the pool.
            requests.generate(seed, count, request -> {
                inFlight.acquireUninterruptibly();
                senders.execute(() -> {
                    try {
                        judge(request, RawHttp.exchange(port, request, TIMEOUT_MILLIS), report);
                    } finally {
                        inFlight.release();
                    }
                });
            });
        } finally {
            senders.shutdown();
            senders.awaitTermination(5, TimeUnit.MINUTES);
        }
        return report;
    }

    private static void judge(RawHttp.Request request, RawHttp.Response response, Report report) {
        report.sent.incrementAndGet();
        report.byEndpoint
                .computeIfAbsent(request.label(), k -> new AtomicInteger())
                .incrementAndGet();
        report.byStatus
                .computeIfAbsent(
                        response.status() < 0 ? "none" : Integer.toString(response.status()), k -> new AtomicInteger())
                .incrementAndGet();
        if (response.status() < 0) {
            if (controlCharactersInItsHead(request)) {
                report.unframed.incrementAndGet();
            } else if (liesAboutItsBody(request)) {
                // It announced a body (chunked, a length, 100-continue) it never sent: the server waits for it, as it
                // must, until its idle timeout.
                report.waitedForABody.incrementAndGet();
            } else {
                report.finding(NO_ANSWER, request, response);
            }
            return;
        }
        if (response.status() == 503 && documentedWait(request, response)) {
            report.documentedWaits.incrementAndGet();
        } else if (response.status() >= 500) {
            report.finding(response.status() + " answered", request, response);
        }
        String text = response.text();
        if (LEAK.matcher(text).find()) {
            report.finding("implementation detail in the body", request, response);
        }
        if (response.headers().values().stream()
                .anyMatch(value -> LEAK.matcher(value).find())) {
            report.finding("implementation detail in a header", request, response);
        }
        if (response.status() >= 400
                && response.status() < 500
                && !request.method().equals("HEAD")) {
            String type = response.header("content-type");
            // Without a length, an answer of the codec runs to the end of the connection, which may hold another.
            if (type == null && (response.body().length == 0 || text.startsWith("HTTP/1."))) {
                if (CODEC_REFUSALS.contains(response.status())) {
                    report.codecRefusals.incrementAndGet();
                } else {
                    report.finding(response.status() + " without a problem document", request, response);
                }
            } else if (type == null || !type.startsWith("application/problem+json")) {
                report.finding(response.status() + " not application/problem+json", request, response);
            } else if (!problemOf(text, response.status())) {
                report.finding("problem document unreadable or with another status", request, response);
            }
        }
    }

    /** Whether one of its headers announces a body other than the one {@link RawHttp} frames. */
    private static boolean liesAboutItsBody(RawHttp.Request request) {
        return request.framing() == RawHttp.Framing.NONE
                || request.headers().stream().anyMatch(header -> {
                    String name = header.getKey().toLowerCase(java.util.Locale.ROOT);
                    return name.equals("transfer-encoding") || name.equals("content-length") || name.equals("expect");
                });
    }

    /**
     * Whether its request line or a header holds a raw control character (CR, LF, NUL, tab in the method, a C1 byte): how
     * the HTTP codec frames such a request (one request, two, or one that waits for more) is the codec's business.
     */
    private static boolean controlCharactersInItsHead(RawHttp.Request request) {
        return hasControl(request.method())
                || hasControl(request.target())
                || request.headers().stream().anyMatch(h -> hasControl(h.getKey()) || hasControl(h.getValue()));
    }

    private static boolean hasControl(String text) {
        // C0, DEL and C1 (0x80-0x9F: one byte each on the wire, see RawHttp.Request#wire).
        return text.chars().anyMatch(c -> c < 0x20 || (c >= 0x7F && c <= 0x9F));
    }

    /**
     * The one 5xx the API documents for input it cannot judge: a read with a well-formed {@code
     * Courier-Cache-Min-Token} of a write not applied here within the wait ({@code 503}, {@code Retry-After}). A token
     * from the future looks like one from a writer this replica has not caught up with.
     */
    private static boolean documentedWait(RawHttp.Request request, RawHttp.Response response) {
        return response.header("retry-after") != null
                && (request.method().equals("HEAD") || response.text().contains("urn:courier:problem:not-yet-applied"))
                && request.headers().stream().anyMatch(h -> h.getKey().equalsIgnoreCase("Courier-Cache-Min-Token"));
    }

    private static boolean problemOf(String text, int status) {
        try {
            JsonNode problem = JSON.readTree(text);
            return problem.path("status").asInt() == status
                    && problem.hasNonNull("type")
                    && problem.hasNonNull("detail");
        } catch (IOException e) {
            return false;
        }
    }

    /** Lines of a service's log from byte {@code from} on that are errors or stack frames. */
    static List<String> loggedErrors(java.nio.file.Path log, long from) throws IOException {
        byte[] all = Files.readAllBytes(log);
        String written = new String(
                all, (int) Math.min(from, all.length), (int) Math.max(0, all.length - from), StandardCharsets.UTF_8);
        List<String> errors = new ArrayList<>();
        for (String line : written.split("\n")) {
            if (line.contains(" ERROR ") || line.startsWith("\tat ") || line.contains("Exception: ")) {
                errors.add(line);
            }
        }
        return errors;
    }

    private static String abbreviated(String text, int max) {
        String oneLine = text.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
        return oneLine.length() > max ? oneLine.substring(0, max) + "…(" + oneLine.length() + " chars)" : oneLine;
    }
}
