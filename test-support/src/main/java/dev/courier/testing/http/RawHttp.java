package dev.courier.testing.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, one connection per exchange, writing exactly the bytes it is given: the hostile
 * client of the fuzz test (e2e {@code HostileInputIT}) and of the regression tests of what it found.
 *
 * <p>Why not {@code java.net.http}: it refuses what a hostile client sends (CR or LF in a header value, methods that
 * are not tokens, a raw space or {@code ..} in the path, a lying {@code Content-Length}, restricted headers such as
 * {@code Host} or {@code Transfer-Encoding}), and those are exactly the requests the fuzzer must send.
 */
public final class RawHttp {
    private static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

    private RawHttp() {}

    /**
     * One request as it goes on the wire.
     *
     * @param method the request line's method, as it is (may be no valid token)
     * @param target the request target: path and query, as it is (may hold raw spaces, control characters, ...)
     * @param headers header lines in order, each name and value as they are (a value may hold CR LF: injection)
     * @param body the body bytes, or null for none
     * @param framing how the body is framed
     * @param label which generator made it, to reproduce a finding
     */
    public record Request(
            String method,
            String target,
            List<Map.Entry<String, String>> headers,
            byte[] body,
            Framing framing,
            String label) {

        /**
         * The request's bytes. Characters up to U+00FF are written as one byte each (so a generator can write any
         * byte, invalid UTF-8 included), characters above as UTF-8.
         */
        public byte[] wire(String authority) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            write(out, method + " " + target + " HTTP/1.1\r\n");
            boolean hostGiven = headers.stream().anyMatch(h -> h.getKey().equalsIgnoreCase("Host"));
            if (!hostGiven) {
                write(out, "Host: " + authority + "\r\n");
            }
            for (Map.Entry<String, String> header : headers) {
                write(out, header.getKey() + ": " + header.getValue() + "\r\n");
            }
            int length = body == null ? 0 : body.length;
            switch (framing) {
                case CONTENT_LENGTH -> {
                    if (body != null) {
                        write(out, "Content-Length: " + length + "\r\n");
                    }
                }
                case CHUNKED -> write(out, "Transfer-Encoding: chunked\r\n");
                case SHORT_CONTENT_LENGTH -> write(out, "Content-Length: " + Math.max(0, length - 1) + "\r\n");
                case NONE -> {}
            }
            write(out, "Connection: close\r\n\r\n");
            if (framing == Framing.CHUNKED) {
                // Two chunks, so that a reader has to join them. Without a body, the last chunk alone: a chunked body
                // is not over until it comes (without it, the server rightly waited for more).
                if (body != null) {
                    int half = length / 2;
                    chunk(out, body, 0, half);
                    chunk(out, body, half, length - half);
                }
                write(out, "0\r\n\r\n");
            } else if (body != null) {
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        @Override
        public String toString() {
            String shown = method + " " + target;
            return label + ": " + (shown.length() > 300 ? shown.substring(0, 300) + "…" : shown);
        }
    }

    /** How a request's body is framed. */
    public enum Framing {
        /** {@code Content-Length} with the body's length (none without a body). */
        CONTENT_LENGTH,
        /** {@code Transfer-Encoding: chunked}, in two chunks. */
        CHUNKED,
        /** A {@code Content-Length} one byte short of the body: the last byte is left over after the request. */
        SHORT_CONTENT_LENGTH,
        /** No framing header at all: the body is bytes after the request, for the server to ignore or refuse. */
        NONE
    }

    /**
     * What came back.
     *
     * @param status the status code, or -1 when the server closed the connection without a status line
     * @param headers response headers, names lower-cased (the last value of each)
     * @param body the body, de-chunked
     * @param error what went wrong reading it, or null
     */
    public record Response(int status, Map<String, String> headers, byte[] body, String error) {
        /** The value of header {@code name} (any case), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** The body as UTF-8 text. */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /**
     * Sends {@code request} on a new connection to {@code 127.0.0.1:port} and reads the first final answer (1xx are
     * skipped), framed by its headers: what follows it on the connection (an answer to a second request smuggled in
     * by the first) is not read.
     */
    public static Response exchange(int port, Request request, int timeoutMillis) {
        return exchange(port, request.wire("127.0.0.1:" + port), request.method(), timeoutMillis);
    }

    /** Sends exactly {@code wire} (a whole request, Host or not) and reads the answer as {@link #exchange} does. */
    public static Response exchange(int port, byte[] wire, String method, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(wire);
                out.flush();
            } catch (IOException e) {
                // The server may refuse early (a header too large) and close while we are still writing: read what
                // it answered.
            }
            Reader in = new Reader(socket.getInputStream());
            while (true) {
                Response head = in.head();
                if (head.status() < 0 || head.status() >= 200 || head.status() == 101) {
                    return head.status() < 0 || head.status() == 101 ? head : in.body(head, method);
                }
            }
        } catch (SocketTimeoutException e) {
            return new Response(-1, Map.of(), new byte[0], "no answer within " + timeoutMillis + " ms");
        } catch (IOException e) {
            return new Response(-1, Map.of(), new byte[0], e.toString());
        }
    }

    /** Reads one answer at a time from a connection. */
    private static final class Reader {
        private final InputStream in;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        Reader(InputStream in) {
            this.in = in;
        }

        /** The status line and headers of the next answer (body empty). */
        Response head() throws IOException {
            byte[] end = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
            int at;
            while ((at = indexOf(pending.toByteArray(), end, 0)) < 0) {
                if (!fill()) {
                    byte[] got = pending.toByteArray();
                    return new Response(
                            -1,
                            Map.of(),
                            got,
                            got.length == 0 ? "connection closed without an answer" : "no end of headers");
                }
            }
            byte[] all = pending.toByteArray();
            String[] lines = new String(all, 0, at, StandardCharsets.ISO_8859_1).split("\r\n");
            pending.reset();
            pending.write(all, at + 4, all.length - at - 4);
            String[] statusLine = lines[0].split(" ", 3);
            int status;
            try {
                status = Integer.parseInt(statusLine[1]);
            } catch (RuntimeException e) {
                return new Response(-1, Map.of(), all, "unreadable status line: " + lines[0]);
            }
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                if (colon > 0) {
                    headers.put(
                            lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                            lines[i].substring(colon + 1).trim());
                }
            }
            return new Response(status, headers, new byte[0], null);
        }

        /** The answer {@code head} with its body, framed as RFC 9112 section 6.3 says. */
        Response body(Response head, String method) throws IOException {
            if (method.equals("HEAD") || head.status() == 204 || head.status() == 304) {
                return head;
            }
            String length = head.header("content-length");
            byte[] body;
            if ("chunked".equalsIgnoreCase(head.header("transfer-encoding"))) {
                body = chunked();
            } else if (length != null) {
                body = exactly(Integer.parseInt(length.trim()));
            } else {
                while (fill()) {
                    // to the end of the connection
                }
                body = pending.toByteArray();
            }
            return new Response(head.status(), head.headers(), body, null);
        }

        private byte[] chunked() throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = line().split(";")[0].trim();
                int length = Integer.parseInt(size, 16);
                if (length == 0) {
                    return body.toByteArray(); // trailers, if any, are not read
                }
                body.writeBytes(exactly(length));
                line();
            }
        }

        private String line() throws IOException {
            int at;
            while ((at = indexOf(pending.toByteArray(), new byte[] {'\r', '\n'}, 0)) < 0) {
                if (!fill()) {
                    throw new IOException("connection closed in a chunked body");
                }
            }
            byte[] all = pending.toByteArray();
            pending.reset();
            pending.write(all, at + 2, all.length - at - 2);
            return new String(all, 0, at, StandardCharsets.ISO_8859_1);
        }

        private byte[] exactly(int length) throws IOException {
            if (length > MAX_RESPONSE_BYTES) {
                throw new IOException("answer of " + length + " bytes");
            }
            while (pending.size() < length) {
                if (!fill()) {
                    throw new IOException("connection closed after " + pending.size() + " of " + length + " bytes");
                }
            }
            byte[] all = pending.toByteArray();
            pending.reset();
            pending.write(all, length, all.length - length);
            return java.util.Arrays.copyOf(all, length);
        }

        private boolean fill() throws IOException {
            byte[] buffer = new byte[16384];
            int n;
            try {
                n = in.read(buffer);
            } catch (java.net.SocketException e) {
                return false; // reset: the server closed with our unread bytes pending
            }
            if (n <= 0) {
                return false;
            }
            pending.write(buffer, 0, n);
            return true;
        }
    }

    private static int indexOf(byte[] data, byte[] needle, int from) {
        outer:
        for (int i = from; i <= data.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void chunk(ByteArrayOutputStream out, byte[] body, int offset, int length) {
        if (length == 0) {
            return;
        }
        write(out, Integer.toHexString(length) + "\r\n");
        out.write(body, offset, length);
        write(out, "\r\n");
    }

    private static void write(ByteArrayOutputStream out, String text) {
        // Up to U+00FF: the byte itself; above: UTF-8.
        for (int i = 0; i < text.length(); ) {
            int codePoint = text.codePointAt(i);
            if (codePoint <= 0xFF) {
                out.write(codePoint);
            } else {
                out.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
            }
            i += Character.charCount(codePoint);
        }
    }

    /** Header lines from name/value pairs. */
    public static List<Map.Entry<String, String>> headers(String... namesAndValues) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(Map.entry(namesAndValues[i], namesAndValues[i + 1]));
        }
        return headers;
    }
}
