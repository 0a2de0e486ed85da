package dev.courier.listener.dispatch;

import java.io.IOException;

/** The {@link EgressPolicy} refused an address: no connection was attempted, and trying again would not help. */
public final class EgressRefusedException extends IOException {
    private static final long serialVersionUID = 1L;

    public EgressRefusedException(String reason) {
        super(reason);
    }
}
