package io.comq.store;

import java.util.regex.Pattern;

/** The shape every blob key must have, checked by each store before it touches storage. */
public final class BlobKeys {
    /** One segment: starts with a letter, digit, {@code _} or {@code -} (so never {@code .} or {@code ..}). */
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}");

    private BlobKeys() {
    }

    /**
     * Returns {@code key} if it is one or more slash-separated segments of {@code [A-Za-z0-9._-]}, none starting with
     * a dot (the rule of {@link LocalBlobStore#KEY}).
     *
     * @throws IllegalArgumentException naming the key otherwise
     */
    public static String check(String key) {
        if (key == null || key.isEmpty() || key.length() > 1024) {
            throw new IllegalArgumentException("invalid blob key: " + key);
        }
        for (String segment : key.split("/", -1)) {
            if (!SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("invalid blob key: " + key);
            }
        }
        return key;
    }

    /** The key's last segment (a file name for local copies). */
    public static String lastSegment(String key) {
        return key.substring(key.lastIndexOf('/') + 1);
    }
}
