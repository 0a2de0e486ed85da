/**
 * How a Courier service authenticates to OCI: {@link dev.courier.oci.auth.OciAuthProviders} turns the settings a
 * service read from its configuration ({@link dev.courier.oci.auth.OciAuthSettings}) into the SDK's
 * {@code BasicAuthenticationDetailsProvider}, or fails with an {@link dev.courier.oci.auth.OciAuthConfigException}
 * that names the setting to fix. Key material never appears in a message, a log line or a {@code toString}.
 */
package dev.courier.oci.auth;
