package dev.courier.testing.oci;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Base64;
import java.util.HexFormat;
import java.util.StringJoiner;

/**
 * An OCI API signing key made for one test: a fresh RSA key pair (never stored anywhere), its private half as PEM, its
 * OCI fingerprint (MD5 of the public key's DER encoding, colon-separated hex) and the keyId the SDK signs with.
 *
 * @param tenancy tenancy OCID of the fake identity
 * @param user user OCID of the fake identity
 * @param keyPair the key pair
 */
public record TestApiKey(String tenancy, String user, KeyPair keyPair) {

    /** A new 2048-bit key for a fake tenancy and user. */
    public static TestApiKey generate() {
        return generate("ocid1.tenancy.oc1..aaaatestcourier", "ocid1.user.oc1..aaaatestcourier");
    }

    /** A new 2048-bit key for the given tenancy and user. */
    public static TestApiKey generate(String tenancy, String user) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return new TestApiKey(tenancy, user, generator.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key as PKCS#8 PEM ({@code -----BEGIN PRIVATE KEY-----}), as the OCI console hands it out. */
    public String privateKeyPem() {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(keyPair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    /** The public half, for {@link FakeOciServer#trust(String, PublicKey)}. */
    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    /** The OCI fingerprint, e.g. {@code 3f:0a:…}. */
    public String fingerprint() {
        try {
            byte[] md5 =
                    MessageDigest.getInstance("MD5").digest(keyPair.getPublic().getEncoded());
            StringJoiner joined = new StringJoiner(":");
            for (byte b : md5) {
                joined.add(HexFormat.of().toHexDigits(b));
            }
            return joined.toString();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The keyId an API-key signature carries: {@code tenancy/user/fingerprint}. */
    public String keyId() {
        return tenancy + "/" + user + "/" + fingerprint();
    }

    /** Makes {@code server} accept this key's signatures. */
    public FakeOciServer trustedBy(FakeOciServer server) {
        return server.trust(keyId(), publicKey());
    }
}
