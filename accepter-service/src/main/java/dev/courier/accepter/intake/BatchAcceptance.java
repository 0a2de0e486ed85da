package dev.courier.accepter.intake;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.courier.common.http.Problem;
import dev.courier.common.status.InvocationStatus;

/**
 * The body of a batch's 202: one result per request, in the order they were sent.
 *
 * @param accepted how many requests are durably stored (or were already, for a repeated idempotency key)
 * @param failed how many were not accepted; each of them can be sent again
 * @param results one per request, in order
 */
public record BatchAcceptance(int accepted, int failed, List<Result> results) {

    /**
     * One request's outcome: accepted ({@code id}, {@code status}, {@code statusUrl}, as {@link Acceptance}) or not
     * ({@code problem}, the document the single endpoint would answer for it).
     *
     * @param index the request's position in {@code requests}, from 0
     * @param id the invocation id, when accepted
     * @param status {@code ACCEPTED}, when accepted
     * @param statusUrl where the invocation's status can be read, when accepted
     * @param problem why the request was not accepted, when it was not
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Result(int index, String id, InvocationStatus status, String statusUrl, Problem problem) {

        static Result accepted(int index, Acceptance acceptance) {
            return new Result(index, acceptance.id(), acceptance.status(), acceptance.statusUrl(), null);
        }

        static Result refused(int index, Problem problem) {
            return new Result(index, null, null, null, problem);
        }
    }
}
