package io.comq.server;

/** Something the caller named does not exist, or belongs to another tenant (the same answer: HTTP 404). */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String message) {
        super(message);
    }
}
