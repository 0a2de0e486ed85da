package dev.courier.oci.auth;

import java.util.List;

/**
 * The OCI authentication settings are missing, contradictory or do not work. The message names the setting(s) to fix
 * with the configuration prefix the service uses (e.g. {@code courier.listener.oci.auth.tenancy}); it never contains
 * key material, a passphrase or a token.
 */
public final class OciAuthConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final List<String> settings;

    OciAuthConfigException(List<String> settings, String message) {
        super(message);
        this.settings = List.copyOf(settings);
    }

    OciAuthConfigException(List<String> settings, String message, Throwable cause) {
        super(message, cause);
        this.settings = List.copyOf(settings);
    }

    /** The full names of the settings the message is about. */
    public List<String> settings() {
        return settings;
    }
}
