package io.comq.webhook;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The signature of a delivery: {@code sha256=} and the hex HMAC-SHA256, keyed by the shared secret, of
 * {@code <timestamp> "." <body>} where the timestamp is the {@code X-Comq-Timestamp} header (Unix seconds). A
 * receiver recomputes it, compares in constant time, and refuses timestamps too far from its clock (replays).
 */
public final class WebhookSignature {
    /** The header carrying the signature. */
    public static final String SIGNATURE_HEADER = "X-Comq-Signature";
    /** The header carrying the signed Unix time in seconds. */
    public static final String TIMESTAMP_HEADER = "X-Comq-Timestamp";
    /** The header carrying the delivery's id, the same on every attempt (for de-duplication). */
    public static final String DELIVERY_HEADER = "X-Comq-Delivery";

    private WebhookSignature() {
    }

    /** The header value for {@code body} sent at {@code timestamp}. */
    public static String sign(byte[] secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is unavailable: " + e, e);
        }
    }

    /** Whether {@code header} is the right signature for {@code body} at {@code timestamp} (constant time). */
    public static boolean verify(byte[] secret, long timestamp, byte[] body, String header) {
        return header != null && MessageDigest.isEqual(sign(secret, timestamp, body).getBytes(StandardCharsets.US_ASCII),
                header.getBytes(StandardCharsets.US_ASCII));
    }
}
