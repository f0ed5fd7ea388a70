package io.comq.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link BlobStore} promises, run against each implementation by a subclass that supplies a fresh, empty
 * store per test.
 */
abstract class BlobStoreContract {

    @TempDir
    Path scratch;

    /** An empty store for this test. */
    abstract BlobStore store() throws Exception;

    /** Where the store spools uploads, if it does (checked for leftovers); {@code null} if it does not. */
    abstract Path stagingDir();

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    static byte[] read(InputStream in) throws IOException {
        try (in) {
            return in.readAllBytes();
        }
    }

    @Test
    void putThenReadBackWithSizeAndSha256() throws Exception {
        BlobStore store = store();
        byte[] data = bytes(300_001, 1);
        BlobInfo info = store.put("models/m1/model.onnx", new ByteArrayInputStream(data), 1 << 20);
        assertEquals("models/m1/model.onnx", info.key());
        assertEquals(data.length, info.size());
        assertEquals(sha256(data), info.sha256());
        assertEquals(info.size(), store.stat("models/m1/model.onnx").orElseThrow().size());
        assertEquals(info.sha256(), store.stat("models/m1/model.onnx").orElseThrow().sha256());
        assertArrayEquals(data, read(store.open("models/m1/model.onnx", 0, -1)));
    }

    @Test
    void emptyBlob() throws Exception {
        BlobStore store = store();
        BlobInfo info = store.put("e/empty.bin", InputStream.nullInputStream(), 10);
        assertEquals(0, info.size());
        assertEquals(sha256(new byte[0]), info.sha256());
        assertArrayEquals(new byte[0], read(store.open("e/empty.bin", 0, -1)));
    }

    @Test
    void rangedReads() throws Exception {
        BlobStore store = store();
        byte[] data = bytes(10_000, 2);
        store.put("a/b.bin", new ByteArrayInputStream(data), data.length);
        assertArrayEquals(Arrays.copyOfRange(data, 10, 110), read(store.open("a/b.bin", 10, 100)));
        assertArrayEquals(Arrays.copyOfRange(data, 9_000, 10_000), read(store.open("a/b.bin", 9_000, -1)));
        assertArrayEquals(Arrays.copyOfRange(data, 9_999, 10_000), read(store.open("a/b.bin", 9_999, 1)));
        assertArrayEquals(new byte[0], read(store.open("a/b.bin", 500, 0)));
        assertArrayEquals(new byte[0], read(store.open("a/b.bin", 10_000, -1)));
    }

    @Test
    void tooLargeIsRefusedAndLeavesNothing() throws Exception {
        BlobStore store = store();
        byte[] data = bytes(4097, 3);
        BlobTooLargeException e = assertThrows(BlobTooLargeException.class,
                () -> store.put("models/big.onnx", new ByteArrayInputStream(data), 4096));
        assertEquals(4096, e.limit());
        assertTrue(e.getMessage().contains("4096"), e.getMessage());
        assertTrue(store.stat("models/big.onnx").isEmpty());
        assertEquals(List.of(), store.list(""));
        assertNoLeftovers();
        // exactly at the limit is accepted
        assertEquals(4096, store.put("models/big.onnx", new ByteArrayInputStream(data, 0, 4096), 4096).size());
    }

    @Test
    void refusedOrBrokenPutKeepsTheEarlierBlob() throws Exception {
        BlobStore store = store();
        byte[] first = bytes(2000, 4);
        store.put("k/blob", new ByteArrayInputStream(first), 10_000);
        assertThrows(BlobTooLargeException.class,
                () -> store.put("k/blob", new ByteArrayInputStream(bytes(20_000, 5)), 10_000));
        InputStream broken = new InputStream() {
            int n;

            @Override
            public int read() throws IOException {
                if (n++ > 5000) {
                    throw new IOException("connection reset by the client");
                }
                return 7;
            }
        };
        assertThrows(IOException.class, () -> store.put("k/blob", broken, 10_000));
        assertArrayEquals(first, read(store.open("k/blob", 0, -1)));
        assertEquals(sha256(first), store.stat("k/blob").orElseThrow().sha256());
        assertNoLeftovers();
    }

    @Test
    void overwriteReplacesWhole() throws Exception {
        BlobStore store = store();
        store.put("x/y", new ByteArrayInputStream(bytes(5000, 6)), 1 << 20);
        byte[] second = bytes(3000, 7);
        BlobInfo info = store.put("x/y", new ByteArrayInputStream(second), 1 << 20);
        assertEquals(sha256(second), info.sha256());
        assertArrayEquals(second, read(store.open("x/y", 0, -1)));
        assertEquals(3000, store.stat("x/y").orElseThrow().size());
    }

    @Test
    void readersDuringOverwritesSeeOneWholeBlobOrTheOther() throws Exception {
        BlobStore store = store();
        byte[] a = bytes(200_000, 8);
        byte[] b = bytes(150_000, 9);
        Set<String> valid = Set.of(sha256(a), sha256(b));
        store.put("race/blob", new ByteArrayInputStream(a), 1 << 20);
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < 20; i++) {
                    store.put("race/blob", new ByteArrayInputStream(i % 2 == 0 ? b : a), 1 << 20);
                }
                stop.set(true);
                return null;
            });
            Future<Integer> reader = pool.submit(() -> {
                int reads = 0;
                while (!stop.get() || reads == 0) {
                    assertTrue(valid.contains(sha256(read(store.open("race/blob", 0, -1)))), "torn read");
                    reads++;
                }
                return reads;
            });
            writer.get(120, TimeUnit.SECONDS);
            assertTrue(reader.get(120, TimeUnit.SECONDS) > 0);
        } finally {
            stop.set(true);
            pool.shutdownNow();
        }
    }

    @Test
    void putsBesideConcurrentDeletesInTheSameFolderNeverFail() throws Exception {
        BlobStore store = store();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Object>> workers = List.of("p/q/one", "p/q/two").stream()
                    .map(key -> pool.submit(() -> {
                        for (int i = 0; i < 40; i++) {
                            byte[] b = bytes(1000, i);
                            assertEquals(sha256(b), store.put(key, new ByteArrayInputStream(b), 1 << 20).sha256());
                            assertEquals(sha256(b), store.stat(key).orElseThrow().sha256());
                            store.delete(key);
                        }
                        return (Object) null;
                    })).toList();
            for (Future<Object> w : workers) {
                w.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(List.of(), store.list("p/"));
    }

    @Test
    void deleteAndMissingBlobs() throws Exception {
        BlobStore store = store();
        store.put("d/one", new ByteArrayInputStream(bytes(10, 10)), 100);
        store.delete("d/one");
        assertTrue(store.stat("d/one").isEmpty());
        assertThrows(NoSuchFileException.class, () -> read(store.open("d/one", 0, -1)));
        assertThrows(NoSuchFileException.class, () -> store.localCopy("d/one", scratch));
        store.delete("d/one");
        store.delete("never/there");
        assertEquals(List.of(), store.list("d/"));
    }

    @Test
    void listByPrefixSorted() throws Exception {
        BlobStore store = store();
        for (String key : List.of("models/b/model.onnx", "jobs/j1/model.onnx", "models/a/model.onnx",
                "models/a/extra.bin", "modelsx/z")) {
            store.put(key, new ByteArrayInputStream(bytes(3, key.hashCode())), 100);
        }
        assertEquals(List.of("models/a/extra.bin", "models/a/model.onnx", "models/b/model.onnx"),
                store.list("models/"));
        assertEquals(List.of("jobs/j1/model.onnx"), store.list("jobs/"));
        assertEquals(5, store.list("").size());
        assertEquals(List.of("models/a/extra.bin", "models/a/model.onnx", "models/b/model.onnx", "modelsx/z"),
                store.list("model"));
        assertEquals(List.of("models/a/extra.bin", "models/a/model.onnx"), store.list("models/a/"));
        assertEquals(List.of(), store.list("nothing/"));
    }

    @Test
    void localCopyHasTheContent() throws Exception {
        BlobStore store = store();
        byte[] data = bytes(70_000, 11);
        store.put("cal/c1/calibration.npz", new ByteArrayInputStream(data), 1 << 20);
        Path copy = store.localCopy("cal/c1/calibration.npz", scratch);
        assertArrayEquals(data, Files.readAllBytes(copy));
        assertTrue(copy.getFileName().toString().endsWith("calibration.npz"), copy.toString());
    }

    @Test
    void putFileCopiesALocalFile() throws Exception {
        BlobStore store = store();
        byte[] data = bytes(12_345, 12);
        Path file = Files.write(scratch.resolve("report.json"), data);
        BlobInfo info = store.putFile("jobs/j/report.json", file);
        assertEquals(sha256(data), info.sha256());
        assertTrue(Files.exists(file), "the source file is left alone");
        assertArrayEquals(data, read(store.open("jobs/j/report.json", 0, -1)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc/passwd", "a/../b", "/abs", "a//b", "a/", "a b", "a\\b", ".", "..", "x/./y", ""})
    void pathLikeKeysAreRefused(String key) throws Exception {
        BlobStore store = store();
        assertThrows(IllegalArgumentException.class,
                () -> store.put(key, new ByteArrayInputStream(new byte[] {1}), 10));
        assertEquals(List.of(), store.list(""));
    }

    private void assertNoLeftovers() throws IOException {
        Path staging = stagingDir();
        if (staging != null && Files.isDirectory(staging)) {
            try (var files = Files.list(staging)) {
                assertFalse(files.findAny().isPresent(), "the staging folder keeps no spooled upload");
            }
        }
    }
}
