package dev.courier.oci.auth;

/**
 * Where a service's OCI identity comes from. Configuration names are the lower-case hyphenated constant names
 * ({@code config-file}, {@code instance-principal}, ...), which is also how Quarkus converts enum values.
 */
public enum OciAuthType {
    /** An OCI CLI/SDK configuration file and profile (user, tenancy, fingerprint, key_file, region). */
    CONFIG_FILE,
    /** The compute instance's identity, from the instance metadata service (a dynamic group grants its rights). */
    INSTANCE_PRINCIPAL,
    /** The resource's identity inside OCI Functions or Container Instances ({@code OCI_RESOURCE_PRINCIPAL_*}). */
    RESOURCE_PRINCIPAL,
    /** The Kubernetes service account's identity on OKE (workload identity). */
    WORKLOAD_IDENTITY,
    /**
     * A user's API key given as settings: tenancy, user, fingerprint, region and the private key (inline PEM, e.g. from
     * an environment variable or a mounted secret, or a file path). Meant for containers without a config file.
     */
    SIMPLE;

    /** The name used in configuration, e.g. {@code instance-principal}. */
    public String configName() {
        return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
