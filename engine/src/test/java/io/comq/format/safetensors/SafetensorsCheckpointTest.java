package io.comq.format.safetensors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidTensorFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsCheckpointTest {
    @TempDir
    Path dir;

    private static Tensor t(float... v) {
        return Tensor.f32(new int[] {v.length}, v);
    }

    private Path sharded(String weightMap) throws IOException {
        Path ck = Files.createDirectories(dir.resolve("ck"));
        SafetensorsWriter.write(ck.resolve("model-00001-of-00002.safetensors"), Map.of("a", t(1f), "b", t(2f, 3f)),
                Map.of("format", "pt"));
        SafetensorsWriter.write(ck.resolve("model-00002-of-00002.safetensors"), Map.of("c", t(4f)), Map.of());
        Files.writeString(ck.resolve(SafetensorsCheckpoint.INDEX_FILE),
                "{\"metadata\":{\"total_size\":16},\"weight_map\":{" + weightMap + "}}", StandardCharsets.UTF_8);
        return ck;
    }

    private static final String GOOD = "\"a\":\"model-00001-of-00002.safetensors\","
            + "\"c\":\"model-00002-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\"";

    @Test
    void shardedCheckpointReadsAcrossShards() throws IOException {
        Path ck = sharded(GOOD);
        for (Path open : List.of(ck, ck.resolve(SafetensorsCheckpoint.INDEX_FILE))) {
            SafetensorsCheckpoint c = SafetensorsCheckpoint.open(open);
            assertTrue(c.sharded());
            assertEquals(List.of("a", "c", "b"), c.names());
            assertEquals(t(4f), c.read("c"));
            assertEquals(t(2f, 3f), c.read("b"));
            assertEquals("16", c.metadata().get("total_size"));
            assertEquals(2, c.files().size());
            assertEquals("model-00002-of-00002.safetensors", c.fileOf("c").path().getFileName().toString());
        }
    }

    @Test
    void singleFileFolder() {
        Path ck = dir.resolve("one");
        SafetensorsWriter.write(dirs(ck).resolve("model.safetensors"), Map.of("x", t(5f)), Map.of("format", "pt"));
        SafetensorsCheckpoint c = SafetensorsCheckpoint.open(ck);
        assertFalse(c.sharded());
        assertEquals(List.of("x"), c.names());
        assertEquals("pt", c.metadata().get("format"));
    }

    private static Path dirs(Path p) {
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void refused(Path ck, String... phrases) {
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class, () -> SafetensorsCheckpoint.open(ck));
        for (String p : phrases) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void missingShard() throws IOException {
        refused(sharded(GOOD + ",\"d\":\"model-00003-of-00003.safetensors\""), "model-00003-of-00003.safetensors",
                "missing", SafetensorsCheckpoint.INDEX_FILE);
    }

    @Test
    void pathsThatEscapeTheFolder() throws IOException {
        SafetensorsWriter.write(dir.resolve("outside.safetensors"), Map.of("d", t(1f)), Map.of());
        refused(sharded(GOOD + ",\"d\":\"../outside.safetensors\""), "escapes");
        refused(sharded(GOOD + ",\"d\":\"" + dir.resolve("outside.safetensors").toAbsolutePath() + "\""), "escapes");
    }

    @Test
    void linkThatEscapesTheFolder() throws IOException {
        SafetensorsWriter.write(dir.resolve("outside.safetensors"), Map.of("d", t(1f)), Map.of());
        Path ck = sharded(GOOD + ",\"d\":\"link.safetensors\"");
        Files.createSymbolicLink(ck.resolve("link.safetensors"), dir.resolve("outside.safetensors"));
        refused(ck, "escapes", "link");
    }

    @Test
    void indexNamesATensorItsShardLacks() throws IOException {
        refused(sharded(GOOD + ",\"zz\":\"model-00002-of-00002.safetensors\""), "\"zz\"", "no such tensor");
    }

    @Test
    void badIndexJson() throws IOException {
        Path ck = sharded(GOOD);
        Files.writeString(ck.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"weight_map\": [");
        refused(ck, "bad JSON");
        Files.writeString(ck.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"weight_map\": {}} trailing");
        refused(ck, "bad JSON");
        Files.writeString(ck.resolve(SafetensorsCheckpoint.INDEX_FILE), "{\"metadata\": {}}");
        refused(ck, "weight_map");
    }

    @Test
    void folderWithoutIndexAndManyFiles() throws IOException {
        Path ck = sharded(GOOD);
        Files.delete(ck.resolve(SafetensorsCheckpoint.INDEX_FILE));
        refused(ck, "2 .safetensors files");
        refused(dirs(dir.resolve("empty")), "no model.safetensors.index.json");
    }

    @Test
    void badShardIsNamed() throws IOException {
        Path ck = sharded(GOOD);
        Files.write(ck.resolve("model-00002-of-00002.safetensors"), new byte[] {1, 2});
        refused(ck, "model-00002-of-00002.safetensors", "truncated");
    }
}
