package dev.courier.common.cache;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The entries of {@link CacheNamespaces#IDEMPOTENCY}: where an idempotency key is claimed and what the claim says.
 * The accepter claims the keys of the requests it accepts, the listener those of requests a producer published
 * straight to Kafka; both use this one format, so a key means one invocation whichever way its requests came.
 *
 * <p>An entry is keyed by the SHA-256 of tenant and key (hex), so that no key's text is a cache key; its value is
 * {@code {"id": "<invocation id>", "state": "pending"|"accepted"}}: pending while the accepter publishes the request,
 * accepted once the request is durably stored. The listener's claims also say where the record was read
 * ({@code "at": "<topic>/<partition>/<offset>"}), so that it knows its own claim when it reads the record again.
 */
public final class IdempotencyEntries {
    private IdempotencyEntries() {}

    /** Until tenants exist, every caller is in this one. */
    public static final String DEFAULT_TENANT = "default";

    /** A claim whose request is still being published. */
    public static final String PENDING = "pending";

    /** A claim whose request is durably stored. */
    public static final String ACCEPTED = "accepted";

    /** The cache key of {@code key} for {@code tenant}. */
    public static String entry(String tenant, String key) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256").digest((tenant + "\n" + key).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** The claim document naming invocation {@code id} in {@code state}. */
    public static byte[] document(String id, String state) {
        return ("{\"id\":\"" + id + "\",\"state\":\"" + state + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    /** The claim document naming invocation {@code id} in {@code state}, for the record at {@code position}. */
    public static byte[] document(String id, String state, String position) {
        return ("{\"id\":\"" + id + "\",\"state\":\"" + state + "\",\"at\":\"" + position + "\"}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
