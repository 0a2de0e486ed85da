package dev.courier.common.secret;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import dev.courier.common.request.Callback;
import dev.courier.common.request.InvocationRequest;

/**
 * Sensitive header values as they are stored: sealed with AES-256-GCM under a {@link HeaderKeys} key, written as
 * {@code enc:v1:<keyId>:<base64url of IV and ciphertext>}. The accepter seals the values of {@code headers} and
 * {@code callback.headers} before a request is published, so no Kafka record, delay tier or dead letter holds them
 * in clear; the listener opens them right before the call.
 *
 * <p>A sealed value is bound (GCM's additional data) to its key id, its invocation id, its field and its header name:
 * it opens only where it was sealed, so a value copied into another request, another header or another field does not
 * open. The accepter also seals every value that already looks sealed, whatever its header: a caller cannot hand the
 * listener a sealed value of its own making or copying; the listener opens it to the caller's literal text.
 *
 * <p>A value without the prefix is clear and passes as it is: what a direct Kafka producer wrote. Nothing here ever
 * puts a value into an exception message.
 */
public final class SealedHeaders {
    /** How every sealed value starts; the version names the format and the cipher. */
    public static final String PREFIX = "enc:v1:";

    /** The request's {@code headers}. */
    public static final String HEADERS = "headers";

    /** The request's {@code callback.headers}. */
    public static final String CALLBACK_HEADERS = "callback.headers";

    private static final String CIPHER = "AES/GCM/NoPadding";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Optional<HeaderKeys> keys;
    private final SensitiveHeaders sensitive;

    /** Sealing and opening with {@code keys} (none: nothing can be sealed or opened); {@code sensitive} to seal. */
    public SealedHeaders(Optional<HeaderKeys> keys, SensitiveHeaders sensitive) {
        this.keys = keys;
        this.sensitive = sensitive;
    }

    /** Whether there is a key: without one, a request with a sensitive header cannot be stored. */
    public boolean canSeal() {
        return keys.isPresent();
    }

    /** The names of the headers of {@code request} whose values {@link #seal(InvocationRequest)} would seal. */
    public List<String> toSeal(InvocationRequest request) {
        List<String> names = new ArrayList<>();
        forEachToSeal(request.headers(), HEADERS, names);
        if (request.callback() != null) {
            forEachToSeal(request.callback().headers(), CALLBACK_HEADERS, names);
        }
        return names;
    }

    private void forEachToSeal(Map<String, String> headers, String field, List<String> names) {
        if (headers != null) {
            headers.forEach((name, value) -> {
                if (mustSeal(name, value)) {
                    names.add(field + "." + name);
                }
            });
        }
    }

    /**
     * {@code request} (which has its id) with every sensitive value, and every value that looks sealed, sealed; the
     * request itself if there is none.
     *
     * @throws IllegalStateException if there is something to seal and no key
     */
    public InvocationRequest seal(InvocationRequest request) {
        if (toSeal(request).isEmpty()) {
            return request;
        }
        Map<String, String> headers = seal(request.id(), HEADERS, request.headers());
        Callback callback = request.callback() == null
                ? null
                : new Callback(
                        request.callback().url(),
                        seal(request.id(), CALLBACK_HEADERS, request.callback().headers()));
        return request.withHeaders(headers, callback);
    }

    private Map<String, String> seal(String id, String field, Map<String, String> headers) {
        if (headers == null) {
            return null;
        }
        Map<String, String> sealed = new LinkedHashMap<>();
        headers.forEach(
                (name, value) -> sealed.put(name, mustSeal(name, value) ? seal(id, field, name, value) : value));
        return sealed;
    }

    private boolean mustSeal(String name, String value) {
        return value != null && (sensitive.contains(name) || value.startsWith(PREFIX));
    }

    /**
     * {@code value} of header {@code name} in {@code field} of invocation {@code id}, sealed with the sealing key.
     *
     * @throws IllegalStateException if there is no key
     */
    public String seal(String id, String field, String name, String value) {
        HeaderKeys ring = keys.orElseThrow(() -> new IllegalStateException("no header encryption key is configured"));
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.ENCRYPT_MODE, ring.sealingKey(), new GCMParameterSpec(TAG_BITS, iv));
            cipher.updateAAD(boundTo(ring.sealingId(), id, field, name));
            byte[] sealed = cipher.doFinal(value.getBytes(StandardCharsets.UTF_8));
            byte[] written = ByteBuffer.allocate(iv.length + sealed.length)
                    .put(iv)
                    .put(sealed)
                    .array();
            return PREFIX + ring.sealingId() + ":"
                    + Base64.getUrlEncoder().withoutPadding().encodeToString(written);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /**
     * {@code headers} of {@code field} of invocation {@code id} with every sealed value opened; null for null.
     *
     * @throws UnreadableHeaderException naming the first header that does not open
     */
    public Map<String, String> open(String id, String field, Map<String, String> headers)
            throws UnreadableHeaderException {
        if (headers == null) {
            return null;
        }
        Map<String, String> opened = new LinkedHashMap<>();
        for (Map.Entry<String, String> header : headers.entrySet()) {
            opened.put(header.getKey(), open(id, field, header.getKey(), header.getValue()));
        }
        return opened;
    }

    /**
     * The clear text of {@code value} of header {@code name}: a sealed value opened, any other as it is.
     *
     * @throws UnreadableHeaderException if the value is sealed and does not open (unknown key, altered, or sealed for
     *     another invocation, field or header)
     */
    public String open(String id, String field, String name, String value) throws UnreadableHeaderException {
        if (value == null || !value.startsWith(PREFIX)) {
            return value;
        }
        String where = field + "." + name;
        int colon = value.indexOf(':', PREFIX.length());
        String keyId = colon < 0 ? "" : value.substring(PREFIX.length(), colon);
        if (!HeaderKeys.ID.matcher(keyId).matches()) {
            throw new UnreadableHeaderException(where + ": the sealed value is malformed");
        }
        HeaderKeys ring = keys.orElseThrow(() -> new UnreadableHeaderException(
                where + ": sealed with key " + keyId + ", and no header encryption key is configured"));
        SecretKey key = ring.key(keyId)
                .orElseThrow(() -> new UnreadableHeaderException(
                        where + ": sealed with key " + keyId + ", which is not configured (" + ring + ")"));
        byte[] written;
        try {
            written = Base64.getUrlDecoder().decode(value.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new UnreadableHeaderException(where + ": the sealed value is malformed");
        }
        if (written.length < IV_BYTES + TAG_BITS / 8) {
            throw new UnreadableHeaderException(where + ": the sealed value is malformed");
        }
        try {
            Cipher cipher = Cipher.getInstance(CIPHER);
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, written, 0, IV_BYTES));
            cipher.updateAAD(boundTo(keyId, id, field, name));
            byte[] clear = cipher.doFinal(written, IV_BYTES, written.length - IV_BYTES);
            return new String(clear, StandardCharsets.UTF_8);
        } catch (AEADBadTagException e) {
            throw new UnreadableHeaderException(where + ": the sealed value does not open with key " + keyId
                    + " (altered, or sealed for another invocation or header)");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available: " + e.getMessage(), e);
        }
    }

    /** What a sealed value is bound to; the header name without case, as HTTP compares it. */
    private static byte[] boundTo(String keyId, String id, String field, String name) {
        return String.join(
                        "\n", "courier-header", PREFIX, keyId, String.valueOf(id), field, name.toLowerCase(Locale.ROOT))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** A sealed header value that does not open; the message names the header and why, never a value. */
    public static final class UnreadableHeaderException extends Exception {
        private static final long serialVersionUID = 1L;

        public UnreadableHeaderException(String message) {
            super(message);
        }
    }
}
