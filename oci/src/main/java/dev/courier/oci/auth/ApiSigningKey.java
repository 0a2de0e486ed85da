package dev.courier.oci.auth;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.spec.RSAPublicKeySpec;
import java.util.HexFormat;
import java.util.Optional;
import java.util.StringJoiner;

import com.oracle.bmc.http.client.pki.Pem;

/**
 * An OCI API signing key: its PEM decoded with the SDK's own decoder (so a key that passes here is one the SDK can
 * sign with) and its fingerprint, which OCI computes as the MD5 of the public key's DER encoding in colon-separated
 * hex. Errors say what is wrong with the key, never what is in it.
 */
final class ApiSigningKey {
    private ApiSigningKey() {}

    /**
     * Decodes an RSA private key from PEM (PKCS#1 or PKCS#8, optionally encrypted).
     *
     * @throws IllegalArgumentException with a message free of key material
     */
    static RSAPrivateKey decode(byte[] pem, String passphrase) {
        Pem.Passphrase secret =
                passphrase == null ? Pem.Passphrase.none() : Pem.Passphrase.of(passphrase.toCharArray());
        PrivateKey key;
        try {
            key = Pem.decoder().with(secret).decodePrivateKey(pem);
        } catch (RuntimeException e) {
            // The cause is dropped on purpose: a parser's message may quote the input.
            throw new IllegalArgumentException(
                    passphrase == null
                            ? "is not a readable PEM private key (or it is encrypted and no passphrase is set)"
                            : "is not a readable PEM private key, or the passphrase does not open it");
        } finally {
            secret.close();
        }
        if (!(key instanceof RSAPrivateKey rsa)) {
            throw new IllegalArgumentException("is not an RSA private key (OCI API keys are RSA)");
        }
        return rsa;
    }

    /** Reads literal {@code \n} sequences of a one-line PEM value (as environment variables often carry it). */
    static byte[] pemBytes(String pemText) {
        String text = pemText.strip();
        if (!text.contains("\n") && text.contains("\\n")) {
            text = text.replace("\\n", "\n");
        }
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** The key's OCI fingerprint ({@code 12:ab:…}), if the key carries its public half (PKCS#1 and PKCS#8 do). */
    static Optional<String> fingerprint(RSAPrivateKey key) {
        if (!(key instanceof RSAPrivateCrtKey crt)) {
            return Optional.empty();
        }
        return Optional.of(fingerprint(crt.getModulus(), crt.getPublicExponent()));
    }

    private static String fingerprint(BigInteger modulus, BigInteger publicExponent) {
        try {
            byte[] der = KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(modulus, publicExponent))
                    .getEncoded();
            byte[] md5 = MessageDigest.getInstance("MD5").digest(der);
            StringJoiner joined = new StringJoiner(":");
            for (byte b : md5) {
                joined.add(HexFormat.of().toHexDigits(b));
            }
            return joined.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RSA and MD5 are part of every JDK", e);
        }
    }
}
