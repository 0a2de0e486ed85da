package dev.courier.listener.dispatch;

import dev.courier.testing.oci.FakeOciServer;
import dev.courier.testing.oci.TestApiKey;

/**
 * What {@link OciFunctionsResource} started for a test: the OCI fake that knows the listener's key, a second one that
 * holds another public key for it (a request signed by the listener is refused there with 401), and the key.
 *
 * @param oci trusts {@code key}; the listener's Functions management endpoint
 * @param stranger knows the listener's key id with another public key, so it refuses the listener's signatures
 * @param key the listener's API key, generated for the test run
 */
record OciFakes(FakeOciServer oci, FakeOciServer stranger, TestApiKey key) {}
