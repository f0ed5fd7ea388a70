package io.comq.format.safetensors;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidTensorFileException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsBadInputTest {
    @TempDir
    Path dir;

    private static final String A = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
    private static final String B = "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}";

    private void refused(Path file, String... phrases) {
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class, () -> SafetensorsFile.open(file));
        assertTrue(e.getMessage().contains(file.toString()), "names the file: " + e.getMessage());
        for (String p : phrases) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
    }

    private Path raw(String header, byte[] data) throws IOException {
        return Raw.file(dir.resolve("bad.safetensors"), header, data);
    }

    @Test
    void shorterThanTheLengthField() throws IOException {
        refused(Files.write(dir.resolve("t.safetensors"), new byte[] {1, 2, 3}), "truncated");
    }

    @Test
    void headerLongerThanTheFile() throws IOException {
        byte[] h = ("{" + A + "}").getBytes(StandardCharsets.UTF_8);
        refused(Raw.bytes(dir.resolve("t.safetensors"), h.length + 100, h, new byte[8]), "truncated",
                "declares " + (h.length + 100));
    }

    @Test
    void headerLengthBeyondTheLimit() throws IOException {
        refused(Raw.bytes(dir.resolve("t.safetensors"), 200_000_000L, new byte[16], new byte[0]), "header too long");
        refused(Raw.bytes(dir.resolve("u.safetensors"), -1L, new byte[16], new byte[0]), "header too long");
    }

    @Test
    void badJson() throws IOException {
        refused(raw("{" + A + ",}", new byte[8]), "bad JSON");
        refused(raw("[1, 2]", new byte[0]), "expected a JSON object");
        refused(raw("{" + A + "} {}", new byte[8]), "bad JSON");
        refused(raw("{" + A + "," + A + "}", new byte[8]), "bad JSON", "Duplicate");
        refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]), "data_offsets");
        refused(raw("{\"__metadata__\":{\"k\":1}," + A + "}", new byte[8]), "__metadata__");
    }

    @Test
    void unknownDtype() throws IOException {
        refused(raw("{\"a\":{\"dtype\":\"Q4_K\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]),
                "unknown dtype \"Q4_K\"", "tensor \"a\"");
    }

    @Test
    void negativeDimension() throws IOException {
        refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]), "shape");
    }

    @Test
    void offsetsThatDoNotMatchDtypeAndShape() throws IOException {
        refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[8]),
                "holding 8 bytes", "need 12");
        refused(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", new byte[8]), "begin <= end");
    }

    @Test
    void overlappingOffsets() throws IOException {
        refused(raw("{" + A + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
                "overlapping", "\"a\"", "\"b\"");
    }

    @Test
    void dataSectionTruncated() throws IOException {
        refused(raw("{" + A + "," + B + "}", new byte[10]), "truncated", "\"b\"");
    }

    @Test
    void holesAndTrailingBytes() throws IOException {
        refused(raw("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]), "unindexed");
        refused(raw("{" + A + "}", new byte[12]), "trailing");
    }

    @Test
    void missingFileAndFolder() {
        refused(dir.resolve("nope.safetensors"), "no such file");
        refused(dir, "directory");
    }

    @Test
    void tensorTooLargeForOneArrayIsRefusedOnRead() throws IOException {
        long n = Integer.MAX_VALUE - 7L;
        Path p = Raw.file(dir.resolve("huge.safetensors"),
                "{\"h\":{\"dtype\":\"U8\",\"shape\":[" + n + "],\"data_offsets\":[0," + n + "]}}", new byte[0]);
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(f.length() + n); // sparse: no disk blocks are written
        }
        SafetensorsFile file = SafetensorsFile.open(p);
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class, () -> file.read("h"));
        assertTrue(e.getMessage().contains("more than one Java array holds"), e.getMessage());
    }

    @Test
    void tensorsOutOfFileOrderAreFine() throws IOException {
        Path p = raw("{" + B + "," + A + "}", new byte[12]);
        assertTrue(SafetensorsFile.open(p).names().equals(java.util.List.of("b", "a")));
    }
}
