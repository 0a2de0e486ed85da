package dev.courier.security;

import jakarta.enterprise.context.RequestScoped;

/** The {@link Caller} of the request being handled, set by {@link AccessFilter} before any resource runs. */
@RequestScoped
public class CurrentCaller {
    private Caller caller;

    /** The caller; {@link AccessFilter} guarantees one on every path but {@code /q/}. */
    public Caller get() {
        if (caller == null) {
            throw new IllegalStateException("no caller: the path is not guarded by AccessFilter");
        }
        return caller;
    }

    void set(Caller caller) {
        this.caller = caller;
    }
}
