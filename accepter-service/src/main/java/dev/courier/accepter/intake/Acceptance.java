package dev.courier.accepter.intake;

import dev.courier.common.status.InvocationStatus;

/**
 * The body of a 202: the request is durably stored and will be delivered.
 *
 * @param id the invocation id
 * @param status {@code ACCEPTED}
 * @param statusUrl where the invocation's status can be read (also the {@code Location} header)
 */
public record Acceptance(String id, InvocationStatus status, String statusUrl) {}
