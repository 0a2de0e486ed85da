/**
 * Courier's ports to Oracle Cloud Infrastructure: how the services authenticate to OCI and where they keep objects
 * (Object Storage in the {@code oci} profile, a local directory otherwise). Plain classes, no CDI: each service
 * produces the beans it needs from its own configuration.
 */
package dev.courier.oci;
