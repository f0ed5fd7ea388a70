package io.comq.api;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of a {@code Range: bytes=...} header, resolved against the representation's length (RFC 9110
 * section 14). Only single ranges are served; a header this class cannot use is ignored and the whole content sent,
 * as the RFC allows.
 *
 * @param first the first byte
 * @param last  the last byte, inclusive
 */
record ByteRange(long first, long last) {
    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    /** Bytes in the range. */
    long length() {
        return last - first + 1;
    }

    /** The {@code Content-Range} value for this range of a representation of {@code size} bytes. */
    String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }

    /** The outcome of reading a {@code Range} header. */
    sealed interface Parsed permits Whole, Partial, Unsatisfiable {
    }

    /** Send everything (no header, or one that is ignored). */
    record Whole() implements Parsed {
    }

    /** Send this range (206). */
    record Partial(ByteRange range) implements Parsed {
    }

    /** No byte of the range exists (416). */
    record Unsatisfiable() implements Parsed {
    }

    /** Reads {@code header} (may be null) for a representation of {@code size} bytes. */
    static Parsed parse(String header, long size) {
        if (header == null) {
            return new Whole();
        }
        Matcher m = SINGLE.matcher(header.strip());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return new Whole();
        }
        Optional<Long> a = number(m.group(1));
        Optional<Long> b = number(m.group(2));
        if ((!m.group(1).isEmpty() && a.isEmpty()) || (!m.group(2).isEmpty() && b.isEmpty())) {
            return new Whole();
        }
        if (a.isEmpty()) {
            long suffix = b.get();
            if (suffix == 0 || size == 0) {
                return new Unsatisfiable();
            }
            return new Partial(new ByteRange(Math.max(0, size - suffix), size - 1));
        }
        long first = a.get();
        if (b.isPresent() && b.get() < first) {
            return new Whole();
        }
        if (first >= size) {
            return new Unsatisfiable();
        }
        long last = b.isPresent() ? Math.min(b.get(), size - 1) : size - 1;
        return new Partial(new ByteRange(first, last));
    }

    private static Optional<Long> number(String s) {
        if (s.isEmpty() || s.length() > 18) {
            return Optional.empty();
        }
        return Optional.of(Long.parseLong(s));
    }
}
