package io.comq.format.npy;

import io.comq.error.InvalidTensorFileException;
import io.comq.format.AtomicFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Reads and writes NumPy {@code .npz} archives: a zip of {@code .npy} entries, stored or deflated (zip64 included).
 * Keys are the entry names without the {@code .npy} suffix; entries that are not {@code .npy} are ignored.
 */
public final class Npz {
    private Npz() {
    }

    private static final String SUFFIX = ".npy";

    /**
     * Reads every array of the archive, in the archive's order.
     *
     * @throws InvalidTensorFileException if the file is missing, not a zip, or an entry is not a readable array
     */
    public static Map<String, NpyArray> read(Path file) {
        Map<String, NpyArray> out = new LinkedHashMap<>();
        try (ZipFile zip = open(file)) {
            for (ZipEntry e : arrayEntries(zip)) {
                out.put(key(e), readEntry(file, zip, e));
            }
        } catch (IOException e) {
            throw Npy.unreadable(file, e);
        }
        return out;
    }

    /**
     * Reads one array of the archive.
     *
     * @throws InvalidTensorFileException if the key is absent (the message lists the keys present) or unreadable
     */
    public static NpyArray read(Path file, String key) {
        try (ZipFile zip = open(file)) {
            ZipEntry e = zip.getEntry(key + SUFFIX);
            if (e == null) {
                throw new InvalidTensorFileException(file, "has no array '" + key + "'; it holds " + keys(zip));
            }
            return readEntry(file, zip, e);
        } catch (IOException e) {
            throw Npy.unreadable(file, e);
        }
    }

    /** The keys of the archive's arrays, in order. */
    public static List<String> keys(Path file) {
        try (ZipFile zip = open(file)) {
            return keys(zip);
        } catch (IOException e) {
            throw Npy.unreadable(file, e);
        }
    }

    /**
     * Writes the arrays as an archive (entries {@code key.npy}, in map order), deflated if {@code compress} else stored,
     * atomically: a reader sees the old file or the whole new one.
     *
     * @throws java.io.UncheckedIOException if the file cannot be written
     */
    public static void write(Path file, Map<String, NpyArray> arrays, boolean compress) {
        AtomicFile.write(file, out -> writeZip(out, arrays, compress));
    }

    private static void writeZip(OutputStream out, Map<String, NpyArray> arrays, boolean compress) throws IOException {
        ZipOutputStream zip = new ZipOutputStream(out);
        for (Map.Entry<String, NpyArray> a : arrays.entrySet()) {
            ZipEntry e = new ZipEntry(a.getKey() + SUFFIX);
            if (compress) {
                e.setMethod(ZipEntry.DEFLATED);
                zip.putNextEntry(e);
                NpyStreams.write(zip, a.getValue());
            } else {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                NpyStreams.write(bytes, a.getValue());
                byte[] b = bytes.toByteArray();
                CRC32 crc = new CRC32();
                crc.update(b);
                e.setMethod(ZipEntry.STORED);
                e.setSize(b.length);
                e.setCompressedSize(b.length);
                e.setCrc(crc.getValue());
                zip.putNextEntry(e);
                zip.write(b);
            }
            zip.closeEntry();
        }
        zip.finish();
    }

    private static ZipFile open(Path file) {
        Npy.checkReadable(file);
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new InvalidTensorFileException(file,
                    "not a valid .npz archive (not a zip file, or a truncated one): " + e.getMessage(), e);
        } catch (IOException e) {
            throw Npy.unreadable(file, e);
        }
    }

    private static List<ZipEntry> arrayEntries(ZipFile zip) {
        List<ZipEntry> out = new ArrayList<>();
        Enumeration<? extends ZipEntry> en = zip.entries();
        for (ZipEntry e : Collections.list(en)) {
            if (!e.isDirectory() && e.getName().endsWith(SUFFIX)) {
                out.add(e);
            }
        }
        return out;
    }

    private static List<String> keys(ZipFile zip) {
        return arrayEntries(zip).stream().map(Npz::key).toList();
    }

    private static String key(ZipEntry e) {
        return e.getName().substring(0, e.getName().length() - SUFFIX.length());
    }

    private static NpyArray readEntry(Path file, ZipFile zip, ZipEntry e) {
        try (InputStream in = zip.getInputStream(e)) {
            return NpyStreams.read(in, e.getSize());
        } catch (NpyFormatException ex) {
            throw new InvalidTensorFileException(file, "entry '" + e.getName() + "': " + ex.getMessage());
        } catch (IOException ex) {
            throw new InvalidTensorFileException(file, "entry '" + e.getName() + "' is corrupt: " + ex.getMessage(), ex);
        }
    }
}
