package dev.courier.common.secret;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-256 keys that seal and open sensitive header values, each under an id that travels with every value it
 * sealed. The first key seals; every key opens, so a key can be rotated: put the new key first, keep the old one
 * after it until no record sealed with it is left (the longest retention of {@code courier.requests} and the delay
 * tiers, plus the longest retry), then drop it.
 *
 * <p>Written as {@code <id>:<base64 of 32 bytes>} entries, e.g. {@code k2:3q…=,k1:9x…=}: a secret's content, never
 * logged; {@link #toString()} shows the ids only.
 */
public final class HeaderKeys {
    /** What a key id may look like: it is part of every sealed value. */
    public static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private static final int KEY_BYTES = 32;

    private final Map<String, SecretKey> keys;
    private final String sealingId;

    private HeaderKeys(Map<String, SecretKey> keys) {
        this.keys = keys;
        this.sealingId = keys.keySet().iterator().next();
    }

    /**
     * The keys written in {@code entries}; {@code setting} names where they come from in errors, which never show key
     * material.
     *
     * @throws IllegalArgumentException naming the setting and the faulty entry's position (and id, if it has one)
     */
    public static HeaderKeys parse(List<String> entries, String setting) {
        Map<String, SecretKey> keys = new LinkedHashMap<>();
        for (int i = 0; i < entries.size(); i++) {
            String entry = entries.get(i).trim();
            int colon = entry.indexOf(':');
            String id = colon < 0 ? "" : entry.substring(0, colon);
            String where = setting + ": entry " + (i + 1) + (ID.matcher(id).matches() ? " (key id " + id + ")" : "");
            if (!ID.matcher(id).matches()) {
                throw new IllegalArgumentException(
                        where + " must be <key id>:<base64 of 32 bytes>, the id of 1 to 64 characters [A-Za-z0-9._-]");
            }
            byte[] material;
            try {
                material = Base64.getDecoder().decode(entry.substring(colon + 1).trim());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": the key is not base64");
            }
            if (material.length != KEY_BYTES) {
                throw new IllegalArgumentException(
                        where + ": the key must be 32 bytes (AES-256), it is " + material.length);
            }
            if (keys.putIfAbsent(id, new SecretKeySpec(material, "AES")) != null) {
                throw new IllegalArgumentException(where + ": the key id is used twice");
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalArgumentException(setting + ": no keys");
        }
        return new HeaderKeys(keys);
    }

    /** The id of the key that seals. */
    public String sealingId() {
        return sealingId;
    }

    SecretKey sealingKey() {
        return keys.get(sealingId);
    }

    Optional<SecretKey> key(String id) {
        return Optional.ofNullable(keys.get(id));
    }

    /** The ids, the sealing one first; never the keys. */
    @Override
    public String toString() {
        return "HeaderKeys" + keys.keySet() + " (" + sealingId + " seals)";
    }
}
