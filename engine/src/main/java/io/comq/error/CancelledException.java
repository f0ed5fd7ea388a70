package io.comq.error;

/** Long work stopped at a safe point because its caller's {@link io.comq.quant.Cancellation} asked it to. */
public final class CancelledException extends ComqException {
    public CancelledException(String message) {
        super(message);
    }
}
