package dev.courier.common.id;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * ULIDs: 128-bit ids, 48 bits of millisecond time then 80 bits of randomness, written as 26 characters of Crockford
 * base32. They sort by creation time, fit in a URL, a header and a Kafka key, and are the invocation ids.
 *
 * <p>{@link #next()} is monotonic within one process: two ids made in the same millisecond differ by an increment of
 * the random part, so they still sort in the order they were made.
 */
public final class Ulid {
    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final long RANDOM_HIGH_MASK = 0xFFFFL; // the top 16 of the 80 random bits

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Object LOCK = new Object();
    private static long lastMillis;
    private static long lastHigh; // 16 bits
    private static long lastLow; // 64 bits

    private Ulid() {}

    /** A new id for the current time, greater than every id this process made before. */
    public static String next() {
        long millis = System.currentTimeMillis();
        long high;
        long low;
        synchronized (LOCK) {
            if (millis <= lastMillis) {
                // Same (or an earlier, if the clock stepped back) millisecond: keep the last time, add one.
                millis = lastMillis;
                low = lastLow + 1;
                high = low == 0 ? (lastHigh + 1) & RANDOM_HIGH_MASK : lastHigh;
            } else {
                byte[] random = new byte[10];
                RANDOM.nextBytes(random);
                ByteBuffer buffer = ByteBuffer.wrap(random);
                high = buffer.getShort() & RANDOM_HIGH_MASK;
                low = buffer.getLong();
            }
            lastMillis = millis;
            lastHigh = high;
            lastLow = low;
        }
        return encode(millis, high, low);
    }

    /**
     * A stable id derived from a name: the same {@code millis} and {@code name} give the same id every time. Used for
     * records a direct Kafka producer published without an id ({@code name} = topic/partition/offset), so that a
     * redelivered record gets the id it had before.
     */
    public static String derived(long millis, String name) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            ByteBuffer buffer = ByteBuffer.wrap(digest);
            return encode(millis, buffer.getShort() & RANDOM_HIGH_MASK, buffer.getLong());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    /** Whether {@code value} is a well-formed ULID (26 Crockford base32 characters, upper case). */
    public static boolean isValid(String value) {
        if (value == null || value.length() != 26 || value.charAt(0) > '7') {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (decodeChar(value.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** The millisecond timestamp of a valid ULID. */
    public static long timestamp(String ulid) {
        if (!isValid(ulid)) {
            throw new IllegalArgumentException("not a ULID: " + ulid);
        }
        long millis = 0;
        for (int i = 0; i < 10; i++) {
            millis = (millis << 5) | decodeChar(ulid.charAt(i));
        }
        return millis;
    }

    private static String encode(long millis, long high16, long low64) {
        char[] out = new char[26];
        // 48 bits of time in the first 10 characters (50 bits; the top two are zero).
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (millis & 0x1F)];
            millis >>>= 5;
        }
        // 80 random bits in the last 16 characters, from the least significant end.
        long low = low64;
        long high = high16;
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET[(int) (low & 0x1F)];
            low = (low >>> 5) | ((high & 0x1F) << 59);
            high >>>= 5;
        }
        return new String(out);
    }

    private static int decodeChar(char c) {
        for (int i = 0; i < ALPHABET.length; i++) {
            if (ALPHABET[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
