package io.comq.store;

import io.comq.format.AtomicFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Blobs as files under one root folder: a key {@code a/b/c} is the file {@code root/a/b/c}, with its SHA-256 beside it
 * in {@code root/a/b/c.sha256} (written first, so a visible blob always has its digest). A put streams into a
 * temporary file under {@code root/.tmp} and moves it into place atomically. Keys are checked against
 * {@link #KEY}: they come from the service, never from a client's file name, and cannot leave the root.
 *
 * <p>Publishing a blob (folder, digest, move) and pruning the empty folders of a deleted one hold one lock, so a
 * concurrent delete never removes the folder a put is publishing into, and {@link #stat} never pairs a new blob with
 * an old digest.
 */
public final class LocalBlobStore implements BlobStore {

    /** What a key may look like: segments of {@code [A-Za-z0-9._-]}, none of them {@code .} or {@code ..}. */
    public static final Pattern KEY = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*");

    private static final String DIGEST_SUFFIX = ".sha256";
    private static final String TMP = ".tmp";

    private final Path root;
    private final Object publishing = new Object();

    /** A store in {@code root}, created if missing; leftovers of interrupted puts are removed. */
    public LocalBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root.resolve(TMP));
        try (DirectoryStream<Path> left = Files.newDirectoryStream(this.root.resolve(TMP))) {
            for (Path p : left) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** The folder holding the blobs. */
    public Path root() {
        return root;
    }

    @Override
    public BlobInfo put(String key, InputStream in, long maxBytes) throws IOException {
        Path target = file(key);
        Path tmp = root.resolve(TMP).resolve(UUID.randomUUID() + ".part");
        MessageDigest sha = sha256();
        long size = 0;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                 OutputStream out = Channels.newOutputStream(ch);
                 DigestInputStream din = new DigestInputStream(in, sha)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = din.read(buf)) >= 0; ) {
                    size += n;
                    if (size > maxBytes) {
                        throw new BlobTooLargeException(key, maxBytes);
                    }
                    out.write(buf, 0, n);
                }
                ch.force(true);
            }
            return publish(key, target, tmp, size, HexFormat.of().formatHex(sha.digest()));
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public BlobInfo putFile(String key, Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return put(key, in, Long.MAX_VALUE);
        }
    }

    private BlobInfo publish(String key, Path target, Path tmp, long size, String sha256) throws IOException {
        synchronized (publishing) {
            Files.createDirectories(target.getParent());
            AtomicFile.write(digestFile(target),
                    out -> out.write(sha256.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new BlobInfo(key, size, sha256, Files.getLastModifiedTime(target).toInstant());
        }
    }

    @Override
    public Optional<BlobInfo> stat(String key) throws IOException {
        Path f = file(key);
        synchronized (publishing) {
            try {
                BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
                String sha = Files.readString(digestFile(f)).trim();
                return Optional.of(new BlobInfo(key, a.size(), sha, a.lastModifiedTime().toInstant()));
            } catch (NoSuchFileException e) {
                return Optional.empty();
            }
        }
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        Path f = file(key);
        FileChannel ch;
        try {
            ch = FileChannel.open(f, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException("no blob " + key);
        }
        try {
            if (offset < 0 || offset > ch.size()) {
                throw new IOException("offset " + offset + " is outside blob " + key + " of " + ch.size() + " bytes");
            }
            ch.position(offset);
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        InputStream in = Channels.newInputStream(ch);
        return length < 0 ? in : new BoundedInputStream(in, length);
    }

    @Override
    public Path localCopy(String key, Path scratchDir) throws IOException {
        Path f = file(key);
        if (!Files.isRegularFile(f)) {
            throw new NoSuchFileException("no blob " + key);
        }
        return f;
    }

    @Override
    public void delete(String key) throws IOException {
        Path f = file(key);
        synchronized (publishing) {
            Files.deleteIfExists(f);
            Files.deleteIfExists(digestFile(f));
            for (Path dir = f.getParent(); dir != null && !dir.equals(root); dir = dir.getParent()) {
                try (Stream<Path> s = Files.list(dir)) {
                    if (s.findAny().isPresent()) {
                        break;
                    }
                } catch (NoSuchFileException e) {
                    continue; // no such folder: nothing to remove here
                }
                Files.delete(dir);
            }
        }
    }

    @Override
    public List<String> list(String prefix) throws IOException {
        List<String> keys = new ArrayList<>();
        // walk only the folder the prefix names (its complete segments), not the whole store
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash)).normalize();
        if (!start.startsWith(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(start)) {
            s.filter(Files::isRegularFile).forEach(p -> {
                String k = root.relativize(p).toString().replace('\\', '/');
                if (KEY.matcher(k).matches() && !k.startsWith(TMP + "/") && !k.endsWith(DIGEST_SUFFIX)
                        && k.startsWith(prefix)) {
                    keys.add(k);
                }
            });
        } catch (NoSuchFileException e) {
            return List.of();
        }
        Collections.sort(keys);
        return keys;
    }

    private Path file(String key) {
        if (key == null || !KEY.matcher(key).matches() || key.contains("..") || key.endsWith(DIGEST_SUFFIX)
                || key.startsWith(TMP)) {
            throw new IllegalArgumentException("not a blob key: " + key);
        }
        Path f = root.resolve(key).normalize();
        if (!f.startsWith(root)) {
            throw new IllegalArgumentException("not a blob key: " + key);
        }
        return f;
    }

    private static Path digestFile(Path blob) {
        return blob.resolveSibling(blob.getFileName() + DIGEST_SUFFIX);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
