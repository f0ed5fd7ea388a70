package io.comq.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidInputException;
import io.comq.format.npy.NpyArray;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output folder appears whole or not at all. */
class OutputDirTest {

    @TempDir
    Path tmp;

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.toList();
        }
    }

    @Test
    void closingWithoutCommitLeavesNothingNotEvenCreatedParents() throws IOException {
        Path target = tmp.resolve("a/b/out");
        try (OutputDir d = OutputDir.open(target, false)) {
            d.writeNpy("x.npy", NpyArray.ofInts(new int[] {2}, new int[] {1, 2}));
            assertFalse(Files.exists(target), "nothing visible before commit");
            // a failure here (an exception) closes without committing
        }
        assertEquals(List.of(), listing());
    }

    @Test
    void commitMovesEverythingIntoPlaceWithChecksums() throws IOException {
        Path target = tmp.resolve("out");
        try (OutputDir d = OutputDir.open(target, false)) {
            d.writeBytes("a.txt", "abc".getBytes(StandardCharsets.UTF_8), true);
            assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                    d.files().get("a.txt").sha256(), "SHA-256 of 'abc'");
            d.commit(false);
        }
        assertEquals(List.of(target), listing());
        assertEquals("abc", Files.readString(target.resolve("a.txt")));
    }

    @Test
    void aFolderThatAppearsMeanwhileIsNotOverwrittenWithoutForce() throws IOException {
        Path target = tmp.resolve("out");
        try (OutputDir d = OutputDir.open(target, false)) {
            d.writeBytes("a.txt", new byte[] {1}, true);
            Files.createDirectories(target);
            Files.writeString(target.resolve("theirs.txt"), "x");
            assertThrows(InvalidInputException.class, () -> d.commit(false));
        }
        assertEquals(List.of(target), listing());
        assertTrue(Files.exists(target.resolve("theirs.txt")));
        assertFalse(Files.exists(target.resolve("a.txt")));
    }
}
