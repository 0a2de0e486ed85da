package dev.courier.oci.auth;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The OCI authentication settings of one service, as read from its configuration. Which fields matter depends on
 * {@link #type()}; absent values are {@code null}. {@link #toString()} never shows the private key or the passphrase.
 *
 * @param type where the identity comes from; required
 * @param configFile {@code config-file}: the configuration file; {@code ~/.oci/config} when null
 * @param profile {@code config-file}: the profile in it; {@code DEFAULT} when null
 * @param tenancy {@code simple}: the tenancy OCID
 * @param user {@code simple}: the user OCID
 * @param fingerprint {@code simple}: the fingerprint of the API key (checked against the private key)
 * @param region {@code simple}: the region id or code (required); for the other types it overrides the region the
 *     provider knows
 * @param privateKey {@code simple}: the API private key as PEM text (from an environment variable or a mounted
 *     secret; literal {@code \n} sequences in a single-line value are read as line breaks)
 * @param privateKeyFile {@code simple}: a PEM file with the API private key, instead of {@code privateKey}
 * @param passphrase {@code simple}: the passphrase of an encrypted private key
 * @param metadataBaseUrl {@code instance-principal}: the instance metadata service's base URL; the SDK's
 *     {@code http://169.254.169.254/opc/v2/} when null
 * @param metadataRetries {@code instance-principal}: how often the metadata service is asked again before giving up;
 *     the SDK's 8 (with backoff: about a minute and a half where there is no metadata service) when null
 */
public record OciAuthSettings(
        OciAuthType type,
        Path configFile,
        String profile,
        String tenancy,
        String user,
        String fingerprint,
        String region,
        String privateKey,
        Path privateKeyFile,
        String passphrase,
        String metadataBaseUrl,
        Integer metadataRetries) {

    public OciAuthSettings {
        Objects.requireNonNull(type, "type");
    }

    /** Settings of the given type, to be filled with the {@code with…} methods. */
    public static OciAuthSettings of(OciAuthType type) {
        return new OciAuthSettings(type, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** {@code config-file} settings. */
    public static OciAuthSettings configFile(Path configFile, String profile) {
        return of(OciAuthType.CONFIG_FILE).withConfigFile(configFile).withProfile(profile);
    }

    /** {@code simple} settings with the private key inline. */
    public static OciAuthSettings simple(
            String tenancy, String user, String fingerprint, String region, String privateKeyPem) {
        return of(OciAuthType.SIMPLE)
                .withTenancy(tenancy)
                .withUser(user)
                .withFingerprint(fingerprint)
                .withRegion(region)
                .withPrivateKey(privateKeyPem);
    }

    public OciAuthSettings withConfigFile(Path value) {
        return new OciAuthSettings(
                type,
                value,
                profile,
                tenancy,
                user,
                fingerprint,
                region,
                privateKey,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withProfile(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                value,
                tenancy,
                user,
                fingerprint,
                region,
                privateKey,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withTenancy(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                value,
                user,
                fingerprint,
                region,
                privateKey,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withUser(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                value,
                fingerprint,
                region,
                privateKey,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withFingerprint(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                user,
                value,
                region,
                privateKey,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withRegion(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                user,
                fingerprint,
                value,
                privateKey,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withPrivateKey(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                user,
                fingerprint,
                region,
                value,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withPrivateKeyFile(Path value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                user,
                fingerprint,
                region,
                privateKey,
                value,
                passphrase,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withPassphrase(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                user,
                fingerprint,
                region,
                privateKey,
                privateKeyFile,
                value,
                metadataBaseUrl,
                metadataRetries);
    }

    public OciAuthSettings withMetadataBaseUrl(String value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                user,
                fingerprint,
                region,
                privateKey,
                privateKeyFile,
                passphrase,
                value,
                metadataRetries);
    }

    public OciAuthSettings withMetadataRetries(Integer value) {
        return new OciAuthSettings(
                type,
                configFile,
                profile,
                tenancy,
                user,
                fingerprint,
                region,
                privateKey,
                privateKeyFile,
                passphrase,
                metadataBaseUrl,
                value);
    }

    /** Every field except the private key and the passphrase, which show only whether they are set. */
    @Override
    public String toString() {
        return "OciAuthSettings[type=" + type.configName() + ", configFile=" + configFile + ", profile=" + profile
                + ", tenancy=" + tenancy + ", user=" + user + ", fingerprint=" + fingerprint + ", region=" + region
                + ", privateKey=" + (privateKey == null ? "null" : "<redacted>") + ", privateKeyFile="
                + privateKeyFile + ", passphrase=" + (passphrase == null ? "null" : "<redacted>")
                + ", metadataBaseUrl=" + metadataBaseUrl + ", metadataRetries=" + metadataRetries + "]";
    }
}
