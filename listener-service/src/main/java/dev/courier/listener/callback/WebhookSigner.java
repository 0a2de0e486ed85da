package dev.courier.listener.callback;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import dev.courier.listener.config.ListenerConfig;

/**
 * Signs callbacks the Standard Webhooks way: {@code webhook-signature} is {@code v1,} + base64 of HMAC-SHA256 over
 * {@code <webhook-id>.<webhook-timestamp>.<body>}, keyed with the base64-decoded part of a {@code whsec_} secret; one
 * space-separated signature per configured secret, so receivers can rotate keys.
 */
@ApplicationScoped
public class WebhookSigner {
    private static final String SECRET_PREFIX = "whsec_";
    private static final String ALGORITHM = "HmacSHA256";

    private final List<SecretKeySpec> keys;

    @Inject
    public WebhookSigner(ListenerConfig config) {
        this(config.callback().signingSecrets().orElse(List.of()));
    }

    WebhookSigner(List<String> secrets) {
        this.keys = secrets.stream().map(WebhookSigner::key).toList();
    }

    /** Whether any secret is configured; without one, callbacks are not signed. */
    public boolean enabled() {
        return !keys.isEmpty();
    }

    /** The {@code webhook-signature} value for a message. */
    public String signature(String id, long timestampSeconds, byte[] body) {
        byte[] prefix = (id + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8);
        return keys.stream()
                .map(key -> "v1," + Base64.getEncoder().encodeToString(hmac(key, prefix, body)))
                .collect(Collectors.joining(" "));
    }

    private static byte[] hmac(SecretKeySpec key, byte[] prefix, byte[] body) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            mac.update(prefix);
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is part of every JDK", e);
        }
    }

    /** The key of a {@code whsec_<base64>} secret; the message never contains the secret itself. */
    private static SecretKeySpec key(String secret) {
        if (secret == null || !secret.startsWith(SECRET_PREFIX)) {
            throw new IllegalArgumentException(
                    "courier.listener.callback.signing-secrets: each secret must have the form whsec_<base64>");
        }
        try {
            byte[] key = Base64.getDecoder().decode(secret.substring(SECRET_PREFIX.length()));
            if (key.length < 16) {
                throw new IllegalArgumentException(
                        "courier.listener.callback.signing-secrets: a secret must hold at least 16 bytes");
            }
            return new SecretKeySpec(key, ALGORITHM);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("courier.")) {
                throw e;
            }
            throw new IllegalArgumentException(
                    "courier.listener.callback.signing-secrets: the part after whsec_ is not base64");
        }
    }
}
