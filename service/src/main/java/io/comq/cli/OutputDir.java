package io.comq.cli;

import io.comq.error.InvalidInputException;
import io.comq.format.npy.Npy;
import io.comq.format.npy.NpyArray;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An output folder that appears all at once: files are written into a temporary sibling folder, which {@link #commit}
 * renames to the target. Closing without committing deletes everything written (and any parent folders this created),
 * so a failed run leaves nothing behind.
 */
final class OutputDir implements AutoCloseable {

    /** A written file: its size and SHA-256. */
    record FileInfo(long bytes, String sha256) {
    }

    private final Path target;
    private final Path temp;
    private final List<Path> createdParents;
    private final Map<String, FileInfo> files = new LinkedHashMap<>();
    private boolean committed;

    private OutputDir(Path target, Path temp, List<Path> createdParents) {
        this.target = target;
        this.temp = temp;
        this.createdParents = createdParents;
    }

    /**
     * Checks that {@code dir} can receive the outputs: it does not exist, or is an empty folder, or {@code force} is
     * set and it is a folder.
     *
     * @throws InvalidInputException naming the problem and the fix
     */
    static void checkTarget(Path dir, boolean force) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new InvalidInputException("--out " + dir + " is a file, not a folder; choose a folder path");
        }
        if (!force && Files.isDirectory(dir) && !isEmpty(dir)) {
            throw new InvalidInputException("--out " + dir + " exists and is not empty; choose another folder or pass "
                    + "--force to replace it");
        }
    }

    /** Starts writing outputs for {@code target} (creating its parent folders if needed). */
    static OutputDir open(Path target) {
        Path abs = target.toAbsolutePath().normalize();
        List<Path> created = new ArrayList<>();
        try {
            for (Path p = abs.getParent(); p != null && !Files.exists(p); p = p.getParent()) {
                created.add(0, p);
            }
            for (Path p : created) {
                Files.createDirectory(p);
            }
            // a fresh name with the default permissions (createTempDirectory would make it owner-only)
            Path temp = Files.createDirectory(abs.resolveSibling("." + abs.getFileName() + ".tmp-" + UUID.randomUUID()));
            return new OutputDir(abs, temp, created);
        } catch (IOException e) {
            deleteEmpty(created);
            throw new UncheckedIOException("cannot create the output folder next to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Writes an array as {@code name} and records its checksum. */
    void writeNpy(String name, NpyArray array) {
        Path f = temp.resolve(name);
        Npy.write(f, array);
        record(name, f);
    }

    /** Writes raw bytes as {@code name} (recorded only when {@code checksum} is set). */
    void writeBytes(String name, byte[] content, boolean checksum) {
        Path f = temp.resolve(name);
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
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(files));
    }

    /**
     * Moves the folder into place. An existing empty target is replaced; an existing non-empty target only when
     * {@code force} (it is moved aside first and deleted once the new folder is in place).
     */
    Path commit(boolean force) {
        try {
            if (Files.isDirectory(target) && !isEmpty(target)) {
                if (!force) {
                    throw new InvalidInputException("--out " + target + " appeared while quantizing and is not empty; "
                            + "pass --force to replace it");
                }
                Path old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                    throw e;
                }
                deleteTree(old);
            } else {
                Files.deleteIfExists(target); // an empty folder: rename would also replace it, be explicit
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            committed = true;
            return target;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            throw new InvalidInputException("--out " + target + " appeared while quantizing; choose another folder");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the outputs into " + target + ": " + e.getMessage(), e);
        }
    }

    /** Deletes the temporary folder (and created parents) unless committed. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        try {
            deleteTree(temp);
        } catch (IOException e) {
            // best effort: the run already failed for another reason
        }
        deleteEmpty(createdParents);
    }

    private void record(String name, Path f) {
        try {
            files.put(name, new FileInfo(Files.size(f), sha256(f)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read back " + f + ": " + e.getMessage(), e);
        }
    }

    /** Hex SHA-256 of a file's content. */
    static String sha256(Path f) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(f)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new InvalidInputException("--out " + dir + " cannot be listed: " + e.getMessage());
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void deleteEmpty(List<Path> createdParents) {
        for (int k = createdParents.size() - 1; k >= 0; k--) {
            try {
                Files.deleteIfExists(createdParents.get(k));
            } catch (IOException e) {
                return; // not empty or not ours any more: leave it
            }
        }
    }
}
