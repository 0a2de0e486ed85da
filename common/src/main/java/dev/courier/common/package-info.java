/**
 * Courier's wire types: what travels between callers, Kafka topics and the services. Types only; no service logic
 * lives here.
 *
 * <ul>
 *   <li>{@link dev.courier.common.request} the invocation request (SPEC section 2), the body of {@code POST
 *       /v1/invocations} and the value of a {@code courier.requests} record;
 *   <li>{@link dev.courier.common.record} the invocation record written to {@code courier.results} and {@code
 *       courier.failures} (SPEC section 5);
 *   <li>{@link dev.courier.common.status} the invocation status (SPEC section 6);
 *   <li>{@link dev.courier.common.id} ULID invocation ids;
 *   <li>{@link dev.courier.common.http} header names and the problem document of every error response;
 *   <li>{@link dev.courier.common.secret} the sealed form of sensitive header values in records, and its codec.
 * </ul>
 */
package dev.courier.common;
