package io.comq.store;

import io.comq.server.ServiceSettings;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The default blob store: a folder, {@code <comq.data-dir>/blobs}, chosen by {@code comq.store.type=local} (the
 * default). Another store type provides its own {@link BlobStore} bean under its own {@code comq.store.type}.
 */
@Factory
public class StoreFactory {

    @Singleton
    @Requires(property = "comq.store.type", value = "local", defaultValue = "local")
    BlobStore localBlobStore(ServiceSettings settings) {
        try {
            return new LocalBlobStore(settings.getDataDir().resolve("blobs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the blob folder under " + settings.getDataDir() + ": "
                    + e.getMessage(), e);
        }
    }
}
