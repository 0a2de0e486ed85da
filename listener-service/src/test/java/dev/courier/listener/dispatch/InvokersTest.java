package dev.courier.listener.dispatch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import dev.courier.common.request.InvocationRequest;
import dev.courier.common.request.TargetType;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one-invoker-per-target-type rule, with stand-in invokers (a unit test of this class alone). */
class InvokersTest {
    @Test
    void eachTargetTypeHasExactlyOneInvoker() {
        Invoker http = new Named(TargetType.HTTP, "http");
        Invoker function = new Named(TargetType.FUNCTION, "function");

        assertThat(Invokers.index(List.of(function, http)))
                .containsEntry(TargetType.HTTP, http)
                .containsEntry(TargetType.FUNCTION, function);
    }

    @Test
    void aTargetTypeWithoutAnInvokerStopsTheStart() {
        assertThatThrownBy(() -> new Invokers(List.of(new Named(TargetType.HTTP, "http"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no invoker for target type FUNCTION");
    }

    @Test
    void twoInvokersForOneTypeStopTheStart() {
        assertThatThrownBy(() -> Invokers.index(List.of(
                        new Named(TargetType.HTTP, "a"),
                        new Named(TargetType.FUNCTION, "f"),
                        new Named(TargetType.HTTP, "b"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageStartingWith("two invokers for target type HTTP");
    }

    /** An invoker that only says which type it calls; the name tells two of one type apart. */
    private record Named(TargetType targetType, String name) implements Invoker {
        @Override
        public CompletionStage<AttemptResult> invoke(InvocationRequest request, int attempt) {
            return CompletableFuture.completedFuture(
                    new AttemptResult.Responded(200, "text/plain", name.getBytes(), false, null, Duration.ZERO));
        }
    }
}
