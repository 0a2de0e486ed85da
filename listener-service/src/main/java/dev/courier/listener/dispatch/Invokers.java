package dev.courier.listener.dispatch;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import jakarta.enterprise.context.ApplicationScoped;

import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.TargetType;
import io.quarkus.arc.All;

/**
 * The {@link Invoker} of each {@link TargetType}. Built once at start-up from every invoker bean; a target type
 * without an invoker, or with two, stops the listener from starting rather than failing its first delivery.
 */
@ApplicationScoped
public class Invokers {
    private final Map<TargetType, Invoker> byType;

    public Invokers(@All List<Invoker> invokers) {
        this.byType = index(invokers);
    }

    /** Makes attempt number {@code attempt} of {@code request} with the invoker of its target's type. */
    public CompletionStage<AttemptResult> invoke(InvocationRequest request, int attempt) {
        return byType.get(request.target().type()).invoke(request, attempt);
    }

    /** One invoker per target type, or an {@link IllegalStateException} naming the type that has none or two. */
    static Map<TargetType, Invoker> index(List<? extends Invoker> invokers) {
        Map<TargetType, Invoker> byType = new EnumMap<>(TargetType.class);
        for (Invoker invoker : invokers) {
            Invoker earlier = byType.putIfAbsent(invoker.targetType(), invoker);
            if (earlier != null) {
                throw new IllegalStateException("two invokers for target type " + invoker.targetType() + ": "
                        + earlier.getClass().getName() + " and "
                        + invoker.getClass().getName());
            }
        }
        for (TargetType type : TargetType.values()) {
            if (!byType.containsKey(type)) {
                throw new IllegalStateException("no invoker for target type " + type);
            }
        }
        return byType;
    }
}
