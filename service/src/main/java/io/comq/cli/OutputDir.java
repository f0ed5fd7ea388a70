package io.comq.cli;

import io.comq.format.StagingDir;
import io.comq.format.npy.Npy;
import io.comq.format.npy.NpyArray;
import io.comq.report.Artifact;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The output folder of {@code comq layer}: a {@link StagingDir} (written aside, renamed into place on
 * {@link #commit}, deleted if never committed) that records the size and SHA-256 of each file written into it.
 */
final class OutputDir implements AutoCloseable {

    /** A written file: its size and SHA-256. */
    record FileInfo(long bytes, String sha256) {
    }

    private final StagingDir stage;
    private final Map<String, FileInfo> files = new LinkedHashMap<>();

    private OutputDir(StagingDir stage) {
        this.stage = stage;
    }

    /**
     * Checks that {@code dir} can receive the outputs: it does not exist, or is an empty folder, or {@code force} is
     * set and it is a folder.
     */
    static void checkTarget(Path dir, boolean force) {
        StagingDir.checkTarget(dir, force);
    }

    /** Starts writing outputs for {@code target} (creating its parent folders if needed). */
    static OutputDir open(Path target, boolean force) {
        return new OutputDir(StagingDir.open(target, force));
    }

    /** Writes an array as {@code name} and records its checksum. */
    void writeNpy(String name, NpyArray array) {
        Path f = stage.path().resolve(name);
        Npy.write(f, array);
        record(name, f);
    }

    /** Writes raw bytes as {@code name} (recorded only when {@code checksum} is set). */
    void writeBytes(String name, byte[] content, boolean checksum) {
        Path f = stage.path().resolve(name);
        try {
            Files.write(f, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + ": " + e.getMessage(), e);
        }
        if (checksum) {
            record(name, f);
        }
    }

    /** The files written so far with their checksums, in writing order. */
    Map<String, FileInfo> files() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    /**
     * Moves the folder into place. An existing empty target is replaced; an existing non-empty target only when
     * {@code force} (it is moved aside first and deleted once the new folder is in place).
     */
    Path commit(boolean force) {
        return stage.commit(force);
    }

    /** Deletes the temporary folder (and created parents) unless committed. */
    @Override
    public void close() {
        stage.close();
    }

    private void record(String name, Path f) {
        Artifact a = Artifact.of(stage.path(), f);
        files.put(name, new FileInfo(a.bytes(), a.sha256()));
    }
}
