package io.comq.store;

import java.io.IOException;

/** A blob longer than the limit its writer set; nothing was stored. */
public final class BlobTooLargeException extends IOException {

    private final long limit;

    public BlobTooLargeException(String key, long limit) {
        super("the upload for " + key + " is larger than the limit of " + limit + " bytes");
        this.limit = limit;
    }

    /** The limit in bytes that was exceeded. */
    public long limit() {
        return limit;
    }
}
