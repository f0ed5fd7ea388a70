package io.comq.format;

import io.comq.error.InvalidInputException;
import io.comq.option.Setting;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A temporary sibling of the output folder that {@link #commit} renames into place; closing without committing
 * deletes it (and any parent folders it created), so a failed run leaves nothing behind.
 */
public final class StagingDir implements AutoCloseable {
    private final Path target;
    private final Path temp;
    private final List<Path> createdParents;
    private boolean committed;

    private StagingDir(Path target, Path temp, List<Path> createdParents) {
        this.target = target;
        this.temp = temp;
        this.createdParents = createdParents;
    }

    /**
     * Checks the target and creates the temporary folder beside it.
     *
     * @throws InvalidInputException if the target is a file, a non-empty folder without {@code force}, or its parent
     *                               cannot be written
     */
    public static StagingDir open(Path target, boolean force) {
        checkTarget(target, force);
        Path abs = target.toAbsolutePath().normalize();
        List<Path> created = new ArrayList<>();
        try {
            for (Path p = abs.getParent(); p != null && !Files.exists(p); p = p.getParent()) {
                created.add(0, p);
            }
            for (Path p : created) {
                Files.createDirectory(p);
            }
            Path temp = Files.createDirectory(abs.resolveSibling("." + abs.getFileName() + ".tmp-"
                    + UUID.randomUUID()));
            return new StagingDir(abs, temp, created);
        } catch (IOException e) {
            deleteEmpty(created);
            throw new InvalidInputException("cannot write the output folder " + target + ": " + e, e);
        }
    }

    /**
     * Checks that {@code target} can receive the outputs before any work starts: it does not exist, or is an empty
     * folder, or {@code force} is set and it is a folder.
     *
     * @throws InvalidInputException naming the problem and the fix
     */
    public static void checkTarget(Path target, boolean force) {
        Path abs = target.toAbsolutePath().normalize();
        if (Files.exists(abs) && !Files.isDirectory(abs)) {
            throw new InvalidInputException(Setting.OUT.ref() + " " + target
                    + " is a file, not a folder; choose a folder path");
        }
        if (!force && Files.isDirectory(abs) && !isEmpty(abs)) {
            throw new InvalidInputException(Setting.OUT.ref() + " " + target
                    + " exists and is not empty; choose another folder or "
                    + "pass " + Setting.FORCE.ref() + " to replace it");
        }
    }

    /** The temporary folder to write into. */
    public Path path() {
        return temp;
    }

    /** Moves the folder into place (an existing target only when {@code force}, replaced once the move is done). */
    public Path commit(boolean force) {
        try {
            if (Files.isDirectory(target) && !isEmpty(target)) {
                if (!force) {
                    throw new InvalidInputException(Setting.OUT.ref() + " " + target
                            + " appeared while quantizing and is not empty; "
                            + "pass " + Setting.FORCE.ref() + " to replace it");
                }
                Path old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
                Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
                try {
                    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
                    throw e;
                }
                Folders.deleteTree(old);
            } else {
                Files.deleteIfExists(target);
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            }
            committed = true;
            return target;
        } catch (FileAlreadyExistsException | DirectoryNotEmptyException e) {
            throw new InvalidInputException(Setting.OUT.ref() + " " + target
                    + " appeared while quantizing; choose another folder");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the outputs into " + target + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        try {
            Folders.deleteTree(temp);
        } catch (IOException e) {
            // best effort: the run already failed for another reason
        }
        deleteEmpty(createdParents);
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        } catch (IOException e) {
            throw new InvalidInputException(Setting.OUT.ref() + " " + dir + " cannot be listed: " + e.getMessage());
        }
    }

    private static void deleteEmpty(List<Path> createdParents) {
        for (int k = createdParents.size() - 1; k >= 0; k--) {
            try {
                Files.deleteIfExists(createdParents.get(k));
            } catch (IOException e) {
                return;
            }
        }
    }
}
