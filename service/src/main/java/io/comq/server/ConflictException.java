package io.comq.server;

/** A request that the current state of a resource forbids (deleting a model a queued job needs): HTTP 409. */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
