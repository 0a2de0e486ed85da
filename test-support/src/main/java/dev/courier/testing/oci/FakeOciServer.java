package dev.courier.testing.oci;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.courier.testing.http.RecordingHttpServer.Reply;

/**
 * A real HTTP server on 127.0.0.1 and a free port that speaks the OCI REST paths Courier uses, for tests with the real
 * OCI Java SDK clients pointed at {@link #endpoint()}.
 *
 * <p><b>Every request must be signed</b> the way OCI verifies it: a draft-cavage HTTP signature ({@code
 * Authorization: Signature version="1",keyId=…,algorithm="rsa-sha256",headers=…,signature=…}) by a key whose public
 * half was given to {@link #trust(String, PublicKey)} under that keyId. The signed header list must hold what the SDK
 * signs: {@code date (request-target) host}, and for POST and PUT also {@code content-length content-type
 * x-content-sha256}, except Object Storage's PutObject, which signs only the first three. A signed {@code
 * x-content-sha256} must be the body's SHA-256, a signed {@code content-length} its length, and {@code date} within 5
 * minutes of now. Anything else is answered {@code 401 {"code":"NotAuthenticated",…}} and listed in
 * {@link #rejections()}.
 *
 * <p><b>Functions</b> ({@code /20181201}): {@code POST /functions/{id}/actions/invoke} answers the replies queued by
 * {@link #replyTo(String, Reply...)} in order, then the default: sync → 200 echoing the body and its content type,
 * detached → 202 with no body. Every invocation is recorded ({@link #invocations(String)}). {@code GET
 * /functions/{id}} answers the function's JSON with its {@code invokeEndpoint} (this server unless registered
 * otherwise) and counts the calls ({@link #getFunctionCalls(String)}). Unregistered functions are 404
 * {@code NotAuthorizedOrNotFound}.
 *
 * <p><b>Object Storage</b> (in memory, buckets made with {@link #createBucket(String)}): {@code GET /n} (the namespace
 * as a JSON string); {@code PUT, GET, HEAD, DELETE /n/{ns}/b/{bucket}/o/{name}} with ETags, {@code if-match} and
 * {@code if-none-match: *} (412 on conflict), {@code if-none-match: <etag>} on GET/HEAD (304), 404 {@code
 * ObjectNotFound} / {@code BucketNotFound}; {@code GET /n/{ns}/b/{bucket}/o?prefix=&start=&end=&limit=} listing
 * names in order with {@code nextStartWith}.
 */
public final class FakeOciServer implements AutoCloseable {
    private static final String FUNCTIONS = "/20181201/functions/";
    private static final Pattern INVOKE = Pattern.compile("^/20181201/functions/([^/]+)/actions/invoke$");
    private static final Pattern FUNCTION = Pattern.compile("^/20181201/functions/([^/]+)$");
    private static final Pattern OBJECT = Pattern.compile("^/n/([^/]+)/b/([^/]+)/o/(.+)$");
    private static final Pattern OBJECTS = Pattern.compile("^/n/([^/]+)/b/([^/]+)/o/?$");
    private static final Pattern PARAMETER = Pattern.compile("(\\w+)=\"([^\"]*)\"");
    private static final List<String> BASE_SIGNED = List.of("date", "(request-target)", "host");
    private static final List<String> BODY_SIGNED = List.of("content-length", "content-type", "x-content-sha256");
    private static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String namespace;
    private final Map<String, PublicKey> trustedKeys = new ConcurrentHashMap<>();
    private final List<Rejection> rejections = new CopyOnWriteArrayList<>();
    private final Map<String, FunctionStub> functions = new ConcurrentHashMap<>();
    private final Map<String, NavigableMap<String, StoredObject>> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger namespaceCalls = new AtomicInteger();

    private FakeOciServer(HttpServer server, String namespace) {
        this.server = server;
        this.namespace = namespace;
    }

    /** Starts a server on 127.0.0.1 with a free port, Object Storage namespace {@code courier-test}. */
    public static FakeOciServer start() {
        return start("courier-test");
    }

    /** Starts a server on 127.0.0.1 with a free port and the given Object Storage namespace. */
    public static FakeOciServer start(String namespace) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
            FakeOciServer fake = new FakeOciServer(server, namespace);
            server.createContext("/", fake::handle);
            server.setExecutor(Executors.newCachedThreadPool(runnable -> {
                Thread thread = new Thread(runnable, "fake-oci-server");
                thread.setDaemon(true);
                return thread;
            }));
            server.start();
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The base URL of this server, e.g. {@code http://127.0.0.1:41234}: the endpoint of every fake service. */
    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The Object Storage namespace. */
    public String namespace() {
        return namespace;
    }

    /**
     * Accepts requests signed with the private half of {@code publicKey} under {@code keyId} (for an API key:
     * {@code <tenancy OCID>/<user OCID>/<fingerprint>}).
     */
    public FakeOciServer trust(String keyId, PublicKey publicKey) {
        trustedKeys.put(keyId, publicKey);
        return this;
    }

    /** Requests refused with 401 so far, in arrival order. */
    public List<Rejection> rejections() {
        return List.copyOf(rejections);
    }

    // ---- Functions ----

    /** Makes a function known, its invoke endpoint this server. */
    public FakeOciServer registerFunction(String functionId) {
        return registerFunction(functionId, endpoint());
    }

    /** Makes a function known with the given invoke endpoint (what {@code GET /functions/{id}} answers). */
    public FakeOciServer registerFunction(String functionId, String invokeEndpoint) {
        functions.compute(functionId, (id, existing) -> {
            FunctionStub stub = existing == null ? new FunctionStub() : existing;
            stub.invokeEndpoint = invokeEndpoint;
            return stub;
        });
        return this;
    }

    /**
     * Queues replies of a function's invocations, used one per invocation in order before the default; registers the
     * function if it is not known.
     */
    public FakeOciServer replyTo(String functionId, Reply... replies) {
        FunctionStub stub = functions.computeIfAbsent(functionId, id -> {
            FunctionStub created = new FunctionStub();
            created.invokeEndpoint = endpoint();
            return created;
        });
        synchronized (stub.replies) {
            stub.replies.addAll(Arrays.asList(replies));
        }
        return this;
    }

    /** The authenticated invocations of a function so far, in arrival order. */
    public List<FunctionInvocation> invocations(String functionId) {
        FunctionStub stub = functions.get(functionId);
        return stub == null ? List.of() : List.copyOf(stub.invocations);
    }

    /** Waits until a function has had at least {@code count} authenticated invocations; fails after {@code timeout}. */
    public List<FunctionInvocation> awaitInvocations(String functionId, int count, Duration timeout) {
        return awaitUntil(
                () -> invocations(functionId),
                list -> list.size() >= count,
                timeout,
                () -> "expected "
                        + count + " invocation(s) of " + functionId + " within " + timeout + ", got "
                        + invocations(functionId).size() + "; rejections: " + rejections());
    }

    /** How many authenticated {@code GET /functions/{id}} calls the function had. */
    public int getFunctionCalls(String functionId) {
        FunctionStub stub = functions.get(functionId);
        return stub == null ? 0 : stub.getCalls.get();
    }

    /** An OCI-style error reply: {@code {"code":…,"message":…}} with the given status. */
    public static Reply ociError(int status, String code, String message) {
        return Reply.json(status, json(Map.of("code", code, "message", message)));
    }

    // ---- Object Storage ----

    /** Creates an empty bucket (no-op if it exists). */
    public FakeOciServer createBucket(String bucket) {
        buckets.computeIfAbsent(bucket, name -> new ConcurrentSkipListMap<>());
        return this;
    }

    /** The objects of a bucket by name (a snapshot), or an empty map for an unknown bucket. */
    public Map<String, StoredObject> objects(String bucket) {
        NavigableMap<String, StoredObject> objects = buckets.get(bucket);
        return objects == null ? Map.of() : new TreeMap<>(objects);
    }

    /** How many authenticated {@code GET /n} calls there were. */
    public int namespaceCalls() {
        return namespaceCalls.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- request handling ----

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            String requestId = Optional.ofNullable(exchange.getRequestHeaders().getFirst("opc-request-id"))
                    .orElseGet(() -> UUID.randomUUID().toString());
            exchange.getResponseHeaders().set("opc-request-id", requestId);
            Optional<String> refusal = verifySignature(exchange, body);
            if (refusal.isPresent()) {
                URI uri = exchange.getRequestURI();
                rejections.add(new Rejection(exchange.getRequestMethod(), uri.getRawPath(), refusal.get()));
                send(
                        exchange,
                        ociError(
                                401,
                                "NotAuthenticated",
                                "The required information to complete "
                                        + "authentication was not provided or was incorrect: " + refusal.get()));
                return;
            }
            send(exchange, route(exchange, body));
        } catch (RuntimeException e) {
            send(exchange, ociError(500, "InternalServerError", "fake OCI server: " + e));
        }
    }

    private Reply route(HttpExchange exchange, byte[] body) {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        Matcher matcher;
        if (path.startsWith(FUNCTIONS)) {
            if (method.equals("POST") && (matcher = INVOKE.matcher(path)).matches()) {
                return invoke(decode(matcher.group(1)), exchange.getRequestHeaders(), body);
            }
            if (method.equals("GET") && (matcher = FUNCTION.matcher(path)).matches()) {
                return getFunction(decode(matcher.group(1)));
            }
        } else if (path.equals("/n") || path.equals("/n/")) {
            if (method.equals("GET")) {
                namespaceCalls.incrementAndGet();
                return Reply.json(200, json(namespace));
            }
        } else if ((matcher = OBJECT.matcher(path)).matches()) {
            return object(
                    method,
                    decode(matcher.group(1)),
                    decode(matcher.group(2)),
                    decode(matcher.group(3)),
                    exchange.getRequestHeaders(),
                    body);
        } else if ((matcher = OBJECTS.matcher(path)).matches() && method.equals("GET")) {
            return list(
                    decode(matcher.group(1)),
                    decode(matcher.group(2)),
                    exchange.getRequestURI().getRawQuery());
        }
        return ociError(404, "NotAuthorizedOrNotFound", "fake OCI server: no " + method + " " + path);
    }

    private Reply invoke(String functionId, Headers headers, byte[] body) {
        FunctionStub stub = functions.get(functionId);
        if (stub == null) {
            return ociError(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found");
        }
        Map<String, List<String>> copied = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> copied.put(name, List.copyOf(values)));
        FunctionInvocation invocation = new FunctionInvocation(
                functionId,
                body,
                headers.getFirst("fn-invoke-type"),
                headers.getFirst("fn-intent"),
                headers.getFirst("opc-request-id"),
                headers.getFirst("content-type"),
                copied,
                Instant.now());
        Reply scripted;
        synchronized (stub.replies) {
            scripted = stub.replies.poll();
        }
        stub.invocations.add(invocation);
        String callId = UUID.randomUUID().toString();
        if (scripted != null) {
            return scripted.withHeader("fn-call-id", callId);
        }
        if ("detached".equalsIgnoreCase(invocation.invokeType())) {
            return new Reply(202, null, new byte[0], Map.of("fn-call-id", callId), Duration.ZERO);
        }
        return new Reply(
                200,
                invocation.contentType() == null ? "application/octet-stream" : invocation.contentType(),
                body,
                Map.of("fn-call-id", callId),
                Duration.ZERO);
    }

    private Reply getFunction(String functionId) {
        FunctionStub stub = functions.get(functionId);
        if (stub == null) {
            return ociError(404, "NotAuthorizedOrNotFound", "Authorization failed or requested resource not found");
        }
        stub.getCalls.incrementAndGet();
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("id", functionId);
        function.put("displayName", "fake-function");
        function.put("compartmentId", "ocid1.compartment.oc1..fake");
        function.put("applicationId", "ocid1.fnapp.oc1..fake");
        function.put("lifecycleState", "ACTIVE");
        function.put("image", "fake/function:1");
        function.put("imageDigest", "sha256:0");
        function.put("memoryInMBs", 256);
        function.put("timeoutInSeconds", 30);
        function.put("invokeEndpoint", stub.invokeEndpoint);
        function.put("timeCreated", "2026-01-01T00:00:00.000Z");
        function.put("timeUpdated", "2026-01-01T00:00:00.000Z");
        return Reply.json(200, json(function)).withHeader("etag", "fn-etag");
    }

    private Reply object(String method, String ns, String bucket, String name, Headers headers, byte[] body) {
        if (!ns.equals(namespace) || !buckets.containsKey(bucket)) {
            return ociError(
                    404,
                    "BucketNotFound",
                    "Either the bucket named '" + bucket + "' does not exist in the namespace '" + ns
                            + "' or you are not authorized to access it");
        }
        NavigableMap<String, StoredObject> objects = buckets.get(bucket);
        String ifMatch = headers.getFirst("if-match");
        String ifNoneMatch = headers.getFirst("if-none-match");
        switch (method) {
            case "PUT" -> {
                // Decided under the bucket's lock so that two conditional writers cannot both win.
                synchronized (objects) {
                    StoredObject current = objects.get(name);
                    if (ifMatch != null && (current == null || !current.etag().equals(ifMatch))) {
                        return ociError(
                                412,
                                "IfMatchFailed",
                                "The If-Match header is '" + ifMatch + "' but the current entity tag is '"
                                        + (current == null ? "" : current.etag()) + "'");
                    }
                    if ("*".equals(ifNoneMatch) && current != null) {
                        return ociError(
                                412,
                                "IfNoneMatchFailed",
                                "The If-None-Match header is '*' but there is" + " an existing entity with tag '"
                                        + current.etag() + "'");
                    }
                    Map<String, String> metadata = new TreeMap<>();
                    headers.forEach((header, values) -> {
                        String lower = header.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("opc-meta-")) {
                            metadata.put(lower.substring("opc-meta-".length()), values.get(0));
                        }
                    });
                    StoredObject stored = new StoredObject(
                            name,
                            body.clone(),
                            Optional.ofNullable(headers.getFirst("content-type"))
                                    .orElse("application/octet-stream"),
                            UUID.randomUUID().toString(),
                            md5(body),
                            Instant.now(),
                            metadata);
                    objects.put(name, stored);
                    return new Reply(200, null, new byte[0], Map.of(), Duration.ZERO)
                            .withHeader("etag", stored.etag())
                            .withHeader("opc-content-md5", stored.md5())
                            .withHeader("last-modified", httpDate(stored.lastModified()));
                }
            }
            case "GET", "HEAD" -> {
                StoredObject current = objects.get(name);
                if (current == null) {
                    return objectNotFound(bucket, name);
                }
                if (ifMatch != null && !ifMatch.equals(current.etag())) {
                    return ociError(
                            412,
                            "IfMatchFailed",
                            "The If-Match header is '" + ifMatch + "' but the current entity tag is '" + current.etag()
                                    + "'");
                }
                Reply reply;
                if (ifNoneMatch != null && (ifNoneMatch.equals(current.etag()) || ifNoneMatch.equals("*"))) {
                    reply = new Reply(304, null, new byte[0], Map.of(), Duration.ZERO);
                } else {
                    reply = new Reply(200, current.contentType(), current.content(), Map.of(), Duration.ZERO)
                            .withHeader("content-md5", current.md5());
                    for (Map.Entry<String, String> meta : current.metadata().entrySet()) {
                        reply = reply.withHeader("opc-meta-" + meta.getKey(), meta.getValue());
                    }
                }
                return reply.withHeader("etag", current.etag())
                        .withHeader("last-modified", httpDate(current.lastModified()));
            }
            case "DELETE" -> {
                synchronized (objects) {
                    StoredObject current = objects.get(name);
                    if (current == null) {
                        return objectNotFound(bucket, name);
                    }
                    if (ifMatch != null && !ifMatch.equals(current.etag())) {
                        return ociError(
                                412,
                                "IfMatchFailed",
                                "The If-Match header is '" + ifMatch + "' but the current entity tag is '"
                                        + current.etag() + "'");
                    }
                    objects.remove(name);
                    return new Reply(204, null, new byte[0], Map.of(), Duration.ZERO)
                            .withHeader("last-modified", httpDate(Instant.now()));
                }
            }
            default -> {
                return ociError(405, "MethodNotAllowed", method + " is not supported on objects by the fake");
            }
        }
    }

    private Reply list(String ns, String bucket, String rawQuery) {
        if (!ns.equals(namespace) || !buckets.containsKey(bucket)) {
            return ociError(
                    404,
                    "BucketNotFound",
                    "Either the bucket named '" + bucket + "' does not exist in the namespace '" + ns
                            + "' or you are not authorized to access it");
        }
        Map<String, String> query = query(rawQuery);
        if (query.containsKey("delimiter")) {
            return ociError(400, "InvalidParameter", "the fake does not implement delimiter");
        }
        String prefix = query.getOrDefault("prefix", "");
        String start = query.get("start");
        String end = query.get("end");
        int limit = Integer.parseInt(query.getOrDefault("limit", "1000"));
        NavigableMap<String, StoredObject> objects = buckets.get(bucket);
        NavigableMap<String, StoredObject> range = start == null ? objects : objects.tailMap(start, true);
        List<Map<String, Object>> listed = new ArrayList<>();
        String nextStartWith = null;
        for (StoredObject object : range.values()) {
            if (end != null && object.name().compareTo(end) >= 0) {
                break;
            }
            if (!object.name().startsWith(prefix)) {
                if (object.name().compareTo(prefix) > 0) {
                    break; // names are sorted: nothing further can start with the prefix
                }
                continue;
            }
            if (listed.size() == limit) {
                nextStartWith = object.name();
                break;
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("name", object.name());
            summary.put("size", object.content().length);
            summary.put("etag", object.etag());
            summary.put("md5", object.md5());
            summary.put("timeCreated", DateTimeFormatter.ISO_INSTANT.format(object.lastModified()));
            summary.put("timeModified", DateTimeFormatter.ISO_INSTANT.format(object.lastModified()));
            listed.add(summary);
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("objects", listed);
        if (nextStartWith != null) {
            page.put("nextStartWith", nextStartWith);
        }
        return Reply.json(200, json(page));
    }

    private static Reply objectNotFound(String bucket, String name) {
        return ociError(
                404, "ObjectNotFound", "The object '" + name + "' was not found in the bucket '" + bucket + "'");
    }

    // ---- signature verification ----

    /** Why the request's signature is not acceptable, or empty when it is. */
    private Optional<String> verifySignature(HttpExchange exchange, byte[] body) {
        Headers headers = exchange.getRequestHeaders();
        String authorization = headers.getFirst("authorization");
        if (authorization == null || !authorization.startsWith("Signature ")) {
            return Optional.of("no Authorization: Signature header");
        }
        Map<String, String> parameters = new TreeMap<>();
        Matcher matcher = PARAMETER.matcher(authorization.substring("Signature ".length()));
        while (matcher.find()) {
            parameters.put(matcher.group(1), matcher.group(2));
        }
        if (!"rsa-sha256".equals(parameters.get("algorithm"))) {
            return Optional.of("algorithm is not rsa-sha256: " + parameters.get("algorithm"));
        }
        if (!"1".equals(parameters.get("version"))) {
            return Optional.of("signature version is not 1: " + parameters.get("version"));
        }
        String keyId = parameters.get("keyId");
        PublicKey key = keyId == null ? null : trustedKeys.get(keyId);
        if (key == null) {
            return Optional.of("unknown keyId " + keyId);
        }
        String signature = parameters.get("signature");
        String signedHeaderList = parameters.get("headers");
        if (signature == null || signedHeaderList == null) {
            return Optional.of("signature or headers parameter missing");
        }
        List<String> signed = List.of(signedHeaderList.toLowerCase(Locale.ROOT).split(" "));
        List<String> required = new ArrayList<>(BASE_SIGNED);
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        boolean putObject = method.equals("PUT") && OBJECT.matcher(path).matches();
        if ((method.equals("POST") || method.equals("PUT")) && !putObject) {
            required.addAll(BODY_SIGNED);
        }
        if (!Set.copyOf(signed).containsAll(required)) {
            return Optional.of("signed headers [" + signedHeaderList + "] lack some of " + required);
        }
        StringBuilder signingString = new StringBuilder();
        for (String name : signed) {
            String value;
            if (name.equals("(request-target)")) {
                String query = exchange.getRequestURI().getRawQuery();
                value = method.toLowerCase(Locale.ROOT) + " " + path + (query == null ? "" : "?" + query);
            } else {
                value = headers.getFirst(name);
                if (value == null) {
                    return Optional.of("signed header " + name + " is not in the request");
                }
            }
            if (!signingString.isEmpty()) {
                signingString.append('\n');
            }
            signingString.append(name).append(": ").append(value);
        }
        try {
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(key);
            verifier.update(signingString.toString().getBytes(StandardCharsets.UTF_8));
            if (!verifier.verify(Base64.getDecoder().decode(signature))) {
                return Optional.of("signature does not verify with the key of " + keyId);
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return Optional.of("signature is malformed: " + e.getMessage());
        }
        if (signed.contains("x-content-sha256")
                && !headers.getFirst("x-content-sha256").equals(base64(digest("SHA-256", body)))) {
            return Optional.of("x-content-sha256 is not the body's SHA-256");
        }
        if (signed.contains("content-length")
                && !headers.getFirst("content-length").equals(String.valueOf(body.length))) {
            return Optional.of("content-length is not the body's length");
        }
        try {
            Instant date = ZonedDateTime.parse(headers.getFirst("date"), DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
            if (Duration.between(date, Instant.now()).abs().compareTo(MAX_CLOCK_SKEW) > 0) {
                return Optional.of("date is more than " + MAX_CLOCK_SKEW + " away from now");
            }
        } catch (DateTimeParseException e) {
            return Optional.of("date is not an HTTP date");
        }
        return Optional.empty();
    }

    // ---- helpers ----

    private static void send(HttpExchange exchange, Reply reply) throws IOException {
        reply.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        if (reply.contentType() != null) {
            exchange.getResponseHeaders().set("Content-Type", reply.contentType());
        }
        if (!reply.delay().isZero() && !reply.delay().isNegative()) {
            try {
                Thread.sleep(reply.delay().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        boolean noBody = exchange.getRequestMethod().equals("HEAD") || reply.status() == 304 || reply.status() == 204;
        if (noBody) {
            if (exchange.getRequestMethod().equals("HEAD") && reply.status() == 200) {
                exchange.getResponseHeaders().set("Content-Length", String.valueOf(reply.body().length));
            }
            exchange.sendResponseHeaders(reply.status(), -1);
            return;
        }
        exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
        if (reply.body().length > 0) {
            exchange.getResponseBody().write(reply.body());
        }
    }

    private static <T> T awaitUntil(
            java.util.function.Supplier<T> read,
            Predicate<T> done,
            Duration timeout,
            java.util.function.Supplier<String> failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            T value = read.get();
            if (done.test(value)) {
                return value;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(failure.get());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static Map<String, String> query(String rawQuery) {
        Map<String, String> parameters = new TreeMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) {
            return parameters;
        }
        for (String pair : rawQuery.split("&")) {
            int equals = pair.indexOf('=');
            String name = decode(equals < 0 ? pair : pair.substring(0, equals));
            String value = equals < 0 ? "" : decode(pair.substring(equals + 1));
            parameters.put(name, value);
        }
        return parameters;
    }

    private static String decode(String raw) {
        // Path segments and query values: %XX escapes; a literal '+' stays '+' in a path, as the SDK encodes spaces.
        return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static String md5(byte[] content) {
        return base64(digest("MD5", content));
    }

    private static byte[] digest(String algorithm, byte[] content) {
        try {
            return MessageDigest.getInstance(algorithm).digest(content);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    private static String httpDate(Instant instant) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(instant.atZone(ZoneOffset.UTC));
    }

    private static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static final class FunctionStub {
        private final Deque<Reply> replies = new ArrayDeque<>();
        private final List<FunctionInvocation> invocations = new CopyOnWriteArrayList<>();
        private final AtomicInteger getCalls = new AtomicInteger();
        private volatile String invokeEndpoint;
    }

    /**
     * One authenticated invocation as received.
     *
     * @param functionId the function OCID from the path
     * @param body the body bytes
     * @param invokeType {@code fn-invoke-type} ({@code sync} or {@code detached}), or null
     * @param intent {@code fn-intent} ({@code httprequest} or {@code cloudevent}), or null
     * @param opcRequestId {@code opc-request-id}, or null
     * @param contentType {@code content-type}, or null
     * @param headers every header by case-insensitive name
     * @param receivedAt when it arrived
     */
    public record FunctionInvocation(
            String functionId,
            byte[] body,
            String invokeType,
            String intent,
            String opcRequestId,
            String contentType,
            Map<String, List<String>> headers,
            Instant receivedAt) {

        /** The first value of a header, or null. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The body as UTF-8 text. */
        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * A request refused with 401.
     *
     * @param method HTTP method
     * @param path raw path
     * @param reason why the signature was not accepted
     */
    public record Rejection(String method, String path, String reason) {}

    /**
     * An object in the fake Object Storage.
     *
     * @param name object name
     * @param content its bytes
     * @param contentType the content type it was stored with
     * @param etag its entity tag (a new one per write)
     * @param md5 base64 MD5 of the content
     * @param lastModified when it was written
     * @param metadata {@code opc-meta-*} headers it was stored with, by lower-case name without the prefix
     */
    public record StoredObject(
            String name,
            byte[] content,
            String contentType,
            String etag,
            String md5,
            Instant lastModified,
            Map<String, String> metadata) {}
}
