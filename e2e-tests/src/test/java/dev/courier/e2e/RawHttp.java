package dev.courier.e2e;

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
 * HTTP/1.1 over a plain socket, one connection per exchange, writing exactly the bytes it is given.
 *
 * <p>Why not {@code java.net.http}: it refuses what a hostile client sends (CR or LF in a header value, methods that
 * are not tokens, a raw space or {@code ..} in the path, a lying {@code Content-Length}, restricted headers such as
 * {@code Host} or {@code Transfer-Encoding}), and those are exactly the requests the fuzzer must send.
 */
final class RawHttp {
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
    record Request(
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
        byte[] wire(String authority) {
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
            if (body != null) {
                if (framing == Framing.CHUNKED) {
                    // Two chunks, so that a reader has to join them.
                    int half = length / 2;
                    chunk(out, body, 0, half);
                    chunk(out, body, half, length - half);
                    write(out, "0\r\n\r\n");
                } else {
                    out.writeBytes(body);
                }
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
    enum Framing {
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
    record Response(int status, Map<String, String> headers, byte[] body, String error) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** Sends {@code request} on a new connection to {@code 127.0.0.1:port} and reads the answer to its end. */
    static Response exchange(int port, Request request, int timeoutMillis) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
            socket.setSoTimeout(timeoutMillis);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(request.wire("127.0.0.1:" + port));
                out.flush();
            } catch (IOException e) {
                // The server may refuse early (a header too large) and close while we are still writing: read what
                // it answered.
            }
            return parse(readAll(socket.getInputStream()));
        } catch (SocketTimeoutException e) {
            return new Response(-1, Map.of(), new byte[0], "no answer within " + timeoutMillis + " ms");
        } catch (IOException e) {
            return new Response(-1, Map.of(), new byte[0], e.toString());
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        try {
            for (int n; (n = in.read(buffer)) > 0; ) {
                all.write(buffer, 0, n);
                if (all.size() > MAX_RESPONSE_BYTES) {
                    break;
                }
            }
        } catch (IOException e) {
            // A reset after a complete answer (the server closed with our unread bytes pending) is still an answer.
            if (all.size() == 0 || e instanceof SocketTimeoutException) {
                throw e;
            }
        }
        return all.toByteArray();
    }

    static Response parse(byte[] raw) {
        int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), 0);
        if (end < 0) {
            return new Response(
                    -1, Map.of(), raw, raw.length == 0 ? "connection closed without an answer" : "no end of headers");
        }
        String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        int status;
        try {
            status = Integer.parseInt(statusLine[1]);
        } catch (RuntimeException e) {
            return new Response(-1, Map.of(), raw, "unreadable status line: " + lines[0]);
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
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(status, headers, body, null);
    }

    private static byte[] dechunk(byte[] chunked) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < chunked.length) {
            int lineEnd = indexOf(chunked, new byte[] {'\r', '\n'}, at);
            if (lineEnd < 0) {
                break;
            }
            String size = new String(chunked, at, lineEnd - at, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int length;
            try {
                length = Integer.parseInt(size, 16);
            } catch (NumberFormatException e) {
                break;
            }
            if (length == 0) {
                break;
            }
            int start = lineEnd + 2;
            int stop = Math.min(chunked.length, start + length);
            out.write(chunked, start, stop - start);
            at = stop + 2;
        }
        return out.toByteArray();
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
    static List<Map.Entry<String, String>> headers(String... namesAndValues) {
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(Map.entry(namesAndValues[i], namesAndValues[i + 1]));
        }
        return headers;
    }
}
