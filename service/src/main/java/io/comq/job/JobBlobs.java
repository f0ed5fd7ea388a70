package io.comq.job;

import io.comq.store.BlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Where a job's blobs live in the store, and the copy of its artifacts there. */
public final class JobBlobs {
    private JobBlobs() {
    }

    /** The blob key of a job's artifact (a file name the engine wrote, never a client's). */
    public static String artifactKey(String jobId, String name) {
        return jobPrefix(jobId) + "artifacts/" + name;
    }

    /** The prefix of every blob that belongs to a job. */
    public static String jobPrefix(String jobId) {
        return "jobs/" + jobId + "/";
    }

    static List<String> storeArtifacts(BlobStore store, String id, Path out) throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                store.putFile(artifactKey(id, name), f);
                names.add(name);
            }
        }
        return names;
    }
}
