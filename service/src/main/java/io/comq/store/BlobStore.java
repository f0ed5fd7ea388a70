package io.comq.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A store of immutable blobs addressed by key. Writes are atomic: a reader sees either no blob or the whole of it,
 * never a partial one, and a failed or refused write leaves nothing behind and keeps any earlier blob under the key.
 */
public interface BlobStore {

    /**
     * Streams {@code in} into the store under {@code key}, computing size and SHA-256 on the way, without holding the
     * content in memory.
     *
     * @param maxBytes the most bytes accepted; a longer stream is refused with {@link BlobTooLargeException} and nothing
     *                 is stored
     */
    BlobInfo put(String key, InputStream in, long maxBytes) throws IOException;

    /** Copies a local file into the store under {@code key}. */
    BlobInfo putFile(String key, Path file) throws IOException;

    /** The blob under {@code key}, if one is complete there. */
    Optional<BlobInfo> stat(String key) throws IOException;

    /** Reads {@code length} bytes of the blob from {@code offset} ({@code length < 0}: to the end). */
    InputStream open(String key, long offset, long length) throws IOException;

    /**
     * A local file with the blob's content, for the engine, which reads models by path. A local store may return its
     * own file (read-only use only); a remote store downloads into {@code scratchDir}.
     */
    Path localCopy(String key, Path scratchDir) throws IOException;

    /** Removes the blob; no error if there is none. */
    void delete(String key) throws IOException;

    /** The keys that start with {@code prefix}, sorted. */
    List<String> list(String prefix) throws IOException;
}
