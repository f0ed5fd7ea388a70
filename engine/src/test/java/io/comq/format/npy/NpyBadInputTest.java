package io.comq.format.npy;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.error.InvalidInputException;
import io.comq.error.InvalidTensorFileException;
import io.comq.format.npy.NpyArray.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every malformed or unsupported file is refused with an {@link InvalidTensorFileException} naming file and problem. */
class NpyBadInputTest {

    @TempDir
    Path dir;

    private InvalidTensorFileException refused(Path file, String... fragments) {
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class, () -> Npy.read(file));
        String m = e.getMessage();
        assertTrue(m.startsWith(file.toString() + ": "), "names the file: " + m);
        for (String f : fragments) {
            assertTrue(m.contains(f), "'" + m + "' should mention '" + f + "'");
        }
        return e;
    }

    /** A version 1.0 file with this header dict (padded as numpy pads) followed by {@code data}. */
    private Path handMade(String dict, byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        StringBuilder h = new StringBuilder(dict);
        while ((10 + h.length() + 1) % 64 != 0) {
            h.append(' ');
        }
        h.append('\n');
        out.write(h.length() & 0xFF);
        out.write(h.length() >> 8);
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
        Path f = dir.resolve("hand.npy");
        Files.write(f, out.toByteArray());
        return f;
    }

    @Test
    void missingFileAndDirectory() {
        refused(dir.resolve("nope.npy"), "no such file");
        refused(dir, "is a directory");
    }

    @Test
    void emptyFileAndBadMagic() throws IOException {
        Path empty = Files.write(dir.resolve("empty.npy"), new byte[0]);
        refused(empty, "not a .npy file");
        Path text = Files.writeString(dir.resolve("text.npy"), "hello, this is not numpy at all");
        refused(text, "not a .npy file", "magic");
    }

    @Test
    void truncatedInsideHeader() throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.npy("le_float64.npy"));
        Path f = Files.write(dir.resolve("cut.npy"), Arrays.copyOf(full, 40));
        refused(f, "truncated", "header");
        Path g = Files.write(dir.resolve("cut2.npy"), Arrays.copyOf(full, 4));
        refused(g, "truncated");
    }

    @Test
    void dataShorterThanTheHeaderDeclares() throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.npy("le_float64.npy"));
        Path f = Files.write(dir.resolve("short.npy"), Arrays.copyOf(full, full.length - 3));
        refused(f, "truncated", "(2, 3)", "48 data bytes", "45 bytes follow");
    }

    @Test
    void truncatedEntryInsideAnArchiveIsAlsoRefused() throws IOException {
        // a stored npz whose entry's header claims more data than the entry holds
        byte[] full = Files.readAllBytes(Fixtures.npy("le_float64.npy"));
        Path npy = handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (4, 3), }", Arrays.copyOfRange(full,
                128, full.length));
        Path npz = dir.resolve("t.npz");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(npz))) {
            z.putNextEntry(new java.util.zip.ZipEntry("W.npy"));
            z.write(Files.readAllBytes(npy));
            z.closeEntry();
        }
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class, () -> Npz.read(npz));
        assertTrue(e.getMessage().contains("entry 'W.npy'") && e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void objectComplexAndStructuredArraysAreRefused() {
        refused(Fixtures.npy("bad_object.npy"), "object arrays", "|O");
        refused(Fixtures.npy("bad_complex.npy"), "unsupported dtype '<c8'", "float32");
        refused(Fixtures.npy("bad_structured.npy"), "structured");
    }

    @Test
    void headersThatAreNotAValidDict() throws IOException {
        refused(handMade("not a dict at all", new byte[0]), "not a valid dict");
        refused(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), ", new byte[48]), "not a valid dict");
        refused(handMade("{'descr': '<f8', 'shape': (2, 3), }", new byte[48]), "'fortran_order'");
        refused(handMade("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3), }", new byte[48]), "True or False");
        refused(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 'x'), }", new byte[48]), "integers");
        refused(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }", new byte[48]), "negative");
    }

    @Test
    void aDeclaredShapeOverTheIntRangeIsRefusedWithoutAllocating() throws IOException {
        refused(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", new byte[16]),
                "(100000, 100000)", "more than 2147483647 elements");
        refused(handMade("{'descr': '<f4', 'fortran_order': False, 'shape': (3000000000,), }", new byte[16]),
                "3000000000");
        // plausible count, far more data than the file holds: refused before reading, not by running out of memory
        refused(handMade("{'descr': '<f8', 'fortran_order': False, 'shape': (20000, 20000), }", new byte[16]),
                "truncated", "3200000000 data bytes");
    }

    @Test
    void python2HeadersWithLongSuffixAreRead() throws IOException {
        byte[] data = new byte[8];
        data[0] = 7;
        NpyArray a = Npy.read(handMade("{'descr': '<i8', 'fortran_order': False, 'shape': (1L,), }", data));
        assertTrue(a.toLongs()[0] == 7);
    }

    @Test
    void unsupportedFormatVersion() throws IOException {
        byte[] b = Files.readAllBytes(Fixtures.npy("le_float64.npy"));
        b[6] = 9;
        refused(Files.write(dir.resolve("v9.npy"), b), "version 9.0");
    }

    @Test
    void notAZipFileAsNpz() throws IOException {
        Path f = Files.write(dir.resolve("x.npz"), new byte[] {1, 2, 3, 4, 5});
        InvalidTensorFileException e = assertThrows(InvalidTensorFileException.class, () -> Npz.read(f));
        assertTrue(e.getMessage().startsWith(f + ": ") && e.getMessage().contains("not a valid .npz"), e.getMessage());
        byte[] full = Files.readAllBytes(Fixtures.npy("stored.npz"));
        Path cut = Files.write(dir.resolve("cut.npz"), Arrays.copyOf(full, full.length / 2));
        assertThrows(InvalidTensorFileException.class, () -> Npz.read(cut));
    }

    @Test
    void conversionsRefuseWhatTheyCannotRepresent() {
        NpyArray vector = NpyArray.ofDoubles(new int[] {3}, new double[3]);
        InvalidInputException e = assertThrows(InvalidInputException.class, vector::toMatrix);
        assertTrue(e.getMessage().contains("2-D") && e.getMessage().contains("(3,)"), e.getMessage());
        NpyArray ints = NpyArray.ofInts(new int[] {1, 1}, new int[] {1});
        e = assertThrows(InvalidInputException.class, ints::toMatrix);
        assertTrue(e.getMessage().contains("int32"), e.getMessage());
        NpyArray floats = NpyArray.ofFloats(new int[] {1}, new float[] {1});
        assertThrows(InvalidInputException.class, floats::toLongs);
        NpyArray big = NpyArray.ofLongs(new int[] {2}, new long[] {1, 1L << 40});
        e = assertThrows(InvalidInputException.class, big::toInts);
        assertTrue(e.getMessage().contains("1099511627776") && e.getMessage().contains("int32"), e.getMessage());
    }

    @Test
    void mismatchedConstructionIsAProgrammingError() {
        assertThrows(IllegalArgumentException.class, () -> new NpyArray(new int[] {2}, DType.INT32, new int[3]));
        assertThrows(IllegalArgumentException.class, () -> new NpyArray(new int[] {2}, DType.INT32, new long[2]));
    }
}
