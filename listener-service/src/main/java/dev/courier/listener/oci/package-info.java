/**
 * The listener's access to OCI through the SDK: its identity (from {@code courier.listener.oci.auth.*}), the Functions
 * clients, the cache of resolved invoke endpoints, and the per-attempt read timeout the SDK has no per-call setting
 * for. {@code dispatch.FunctionInvoker} turns a function target into a call through here.
 */
package dev.courier.listener.oci;
