package io.comq.store;

import java.nio.file.Path;

/** The blob store contract against the local-folder store (the embedded default). */
class LocalBlobStoreContractTest extends BlobStoreContract {

    @Override
    BlobStore store() throws Exception {
        return new LocalBlobStore(scratch.resolve("blobs"));
    }

    @Override
    Path stagingDir() {
        return scratch.resolve("blobs/.tmp");
    }
}
