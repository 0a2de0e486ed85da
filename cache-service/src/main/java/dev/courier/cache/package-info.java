/**
 * cache-service: a replicated key/value cache with a CQRS write/read split, durable through a Kafka change log and
 * snapshots (SPEC section 7), and the home of invocation status (SPEC section 6).
 *
 * <p>So far the service starts with health checks, metrics and OpenAPI; the cache itself is being built (see the
 * module README).
 */
package dev.courier.cache;
