package io.comq.error;

/**
 * The native math (OpenBLAS) failed its self-test or a numeric guard in a process that was told to use it and nothing
 * else ({@code COMQ_MATH=native}). Not the user's input at fault: the machine's. Exit code 1, HTTP 503.
 */
public final class NativeMathException extends ComqException {
    public NativeMathException(String message) {
        super(message);
    }
}
