package dev.courier.oci.auth;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A service's OCI identity as configuration: a group each service includes as {@code courier.<service>.oci.auth.*},
 * mapped onto {@link OciAuthSettings} by {@link #settings()}. Which settings apply depends on {@code type}; without a
 * type the service has no OCI identity. Key material is never logged.
 */
public interface OciAuthConfig {

    /**
     * {@code config-file}, {@code simple}, {@code instance-principal}, {@code resource-principal} or
     * {@code workload-identity}; none means no OCI identity.
     */
    Optional<OciAuthType> type();

    /** {@code config-file}: the OCI configuration file; default {@code ~/.oci/config}. */
    Optional<Path> configFile();

    /** {@code config-file}: the profile; default {@code DEFAULT}. */
    Optional<String> profile();

    /** {@code simple}: the tenancy OCID. */
    Optional<String> tenancy();

    /** {@code simple}: the user OCID. */
    Optional<String> user();

    /** {@code simple}: the API key's fingerprint. */
    Optional<String> fingerprint();

    /** The region (id or code); required for {@code simple}, else it overrides the identity's own region. */
    Optional<String> region();

    /** {@code simple}: the API private key as PEM text, from a secret (environment variable or mounted file). */
    Optional<String> privateKey();

    /** {@code simple}: a PEM file with the API private key, instead of {@code private-key}. */
    Optional<Path> privateKeyFile();

    /** {@code simple}: the passphrase of an encrypted private key, from a secret. */
    Optional<String> passphrase();

    /** {@code instance-principal}: the instance metadata service's base URL; default the SDK's. */
    Optional<String> metadataBaseUrl();

    /** {@code instance-principal}: how often the metadata service is asked again; default the SDK's 8. */
    OptionalInt metadataRetries();

    /** The settings this configuration describes, or empty when no {@code type} is set. */
    default Optional<OciAuthSettings> settings() {
        return type().map(type -> new OciAuthSettings(
                type,
                configFile().orElse(null),
                profile().orElse(null),
                tenancy().orElse(null),
                user().orElse(null),
                fingerprint().orElse(null),
                region().orElse(null),
                privateKey().orElse(null),
                privateKeyFile().orElse(null),
                passphrase().orElse(null),
                metadataBaseUrl().orElse(null),
                metadataRetries().isPresent() ? metadataRetries().getAsInt() : null));
    }
}
