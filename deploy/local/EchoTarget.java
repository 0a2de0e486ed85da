import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * A demo HTTP target for the local run: answers every request with {@code 200} and a JSON echo of it.
 *
 * <p>Run it in source-launch mode, no build needed: {@code java -Xmx64m deploy/local/EchoTarget.java [port]}
 * (default port 9000, bound to 127.0.0.1 only). The echo is
 * {@code {"method":..,"path":..,"query":..,"headers":{..},"body":..,"receivedAt":..}}: header names in lower
 * case (repeated headers joined with {@code ", "}), the query raw or {@code null}, the body as a UTF-8 string.
 *
 * <p>The last {@value #REMEMBERED} requests are kept in memory and {@code GET /_received} returns them as a
 * JSON array, oldest first, so a demo can show what Courier delivered (the call and its callback).
 * {@code /_received} itself is not recorded. Every request is logged on one line to stdout with the
 * {@code Courier-*} and {@code Idempotency-Key} headers.
 */
public class EchoTarget {

    private static final int DEFAULT_PORT = 9000;
    private static final int REMEMBERED = 100;
    private static final String RECEIVED_PATH = "/_received";

    private final Deque<String> received = new ArrayDeque<>();

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : DEFAULT_PORT;
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", new EchoTarget()::handle);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("EchoTarget listening on http://127.0.0.1:" + port + " (GET " + RECEIVED_PATH + ")");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            String json;
            if (RECEIVED_PATH.equals(path)) {
                synchronized (received) {
                    json = "[" + String.join(",", received) + "]";
                }
            } else {
                json = echo(exchange, path);
                synchronized (received) {
                    if (received.size() == REMEMBERED) {
                        received.removeFirst();
                    }
                    received.addLast(json);
                }
            }
            byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    /** Reads the request, logs it on one line and returns its JSON echo. */
    private static String echo(HttpExchange exchange, String path) throws IOException {
        String method = exchange.getRequestMethod();
        String query = exchange.getRequestURI().getRawQuery();
        String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Instant receivedAt = Instant.now();

        // The JDK normalizes header-name case ("Courier-attempt"): lower-case them all for a stable echo.
        Map<String, String> headers = new TreeMap<>();
        exchange.getRequestHeaders()
                .forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), String.join(", ", values)));

        StringBuilder log = new StringBuilder(receivedAt + " " + method + " " + path);
        if (query != null) {
            log.append('?').append(query);
        }
        headers.forEach((name, value) -> {
            if (name.startsWith("courier-") || name.equals("idempotency-key")) {
                log.append(' ').append(name).append('=').append(value);
            }
        });
        System.out.println(log);

        StringJoiner headersJson = new StringJoiner(",", "{", "}");
        headers.forEach((name, value) -> headersJson.add(quote(name) + ":" + quote(value)));
        return new StringJoiner(",", "{", "}")
                .add("\"method\":" + quote(method))
                .add("\"path\":" + quote(path))
                .add("\"query\":" + quote(query))
                .add("\"headers\":" + headersJson)
                .add("\"body\":" + quote(body))
                .add("\"receivedAt\":" + quote(receivedAt.toString()))
                .toString();
    }

    /** A JSON string literal, or {@code null}. */
    private static String quote(String value) {
        if (value == null) {
            return "null";
        }
        StringBuilder json = new StringBuilder(value.length() + 2).append('"');
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> json.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return json.append('"').toString();
    }
}
