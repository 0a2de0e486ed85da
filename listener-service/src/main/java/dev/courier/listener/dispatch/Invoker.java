package dev.courier.listener.dispatch;

import java.util.concurrent.CompletionStage;

import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.TargetType;

/**
 * Calls one kind of target. There is exactly one invoker per {@link TargetType}, each an application-scoped bean;
 * {@link Invokers} finds them, so a new kind of target is a new implementation and nothing in {@link Dispatcher}.
 *
 * <p>Contract of {@link #invoke}: the stage never fails. Every outcome, a refused address or an unreadable sealed
 * header included, is an {@link AttemptResult}, so retry and record decisions stay in one place (the dispatcher).
 */
public interface Invoker {
    /** The target type this invoker calls. */
    TargetType targetType();

    /** Makes attempt number {@code attempt} (1 for the first) of {@code request}; the stage ends in a result. */
    CompletionStage<AttemptResult> invoke(InvocationRequest request, int attempt);
}
