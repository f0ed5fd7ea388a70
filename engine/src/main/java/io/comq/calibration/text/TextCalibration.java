package io.comq.calibration.text;

import io.comq.calibration.data.CalibrationSet;
import io.comq.error.InvalidInputException;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Turns English text into a calibration set for a BERT-style model: sentences, tokenized with a
 * {@link WordPieceTokenizer}, as {@code input_ids}, {@code attention_mask} and {@code token_type_ids} (int64,
 * {@code (sentences, length)}), padded with the pad id to the longest sentence. Padding beyond the longest sentence of
 * each batch is cut at calibration time, and padded positions are masked out of the Gram matrices, so padding costs
 * nothing in the statistics.
 */
public final class TextCalibration {
    private TextCalibration() {
    }

    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");

    /**
     * The sentences of a text: whitespace runs collapsed, split after {@code .}, {@code !} or {@code ?} followed by
     * whitespace, keeping those of at least {@code minWords} words. A word is a whitespace-separated run with at least
     * one letter, so that rules of asterisks or dashes, numbering and tables of figures are not taken for sentences.
     */
    public static List<String> sentences(String text, int minWords) {
        String flat = text.replaceAll("\\s+", " ").trim();
        List<String> out = new ArrayList<>();
        for (String s : SENTENCE_END.split(flat)) {
            String t = s.trim();
            if (words(t) >= minWords) {
                out.add(t);
            }
        }
        return out;
    }

    private static int words(String sentence) {
        int n = 0;
        for (String w : sentence.split(" ")) {
            if (w.codePoints().anyMatch(Character::isLetter)) {
                n++;
            }
        }
        return n;
    }

    /** Up to {@code max} sentences of at least {@code minWords} words from these UTF-8 text files, in file order. */
    public static List<String> sentences(List<Path> files, int minWords, int max) {
        List<String> out = new ArrayList<>();
        for (Path f : files) {
            if (out.size() >= max) {
                break;
            }
            try {
                String text = new String(Files.readAllBytes(f), StandardCharsets.UTF_8);
                for (String s : sentences(text, minWords)) {
                    if (out.size() < max) {
                        out.add(s);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The arrays of a calibration set: each sentence encoded (at most {@code maxLength} tokens), padded. */
    public static Map<String, NpyArray> encode(List<String> sentences, WordPieceTokenizer tok, int maxLength) {
        if (sentences.isEmpty()) {
            throw new InvalidInputException("no sentences to encode");
        }
        List<WordPieceTokenizer.Encoding> enc = new ArrayList<>();
        int len = 0;
        for (String s : sentences) {
            WordPieceTokenizer.Encoding e = tok.encode(s, maxLength);
            enc.add(e);
            len = Math.max(len, e.length());
        }
        int n = enc.size();
        long[] ids = new long[n * len];
        long[] mask = new long[n * len];
        long[] types = new long[n * len];
        java.util.Arrays.fill(ids, tok.padId());
        for (int r = 0; r < n; r++) {
            WordPieceTokenizer.Encoding e = enc.get(r);
            System.arraycopy(e.ids(), 0, ids, r * len, e.length());
            System.arraycopy(e.attentionMask(), 0, mask, r * len, e.length());
            System.arraycopy(e.typeIds(), 0, types, r * len, e.length());
        }
        Map<String, NpyArray> out = new LinkedHashMap<>();
        out.put("input_ids", NpyArray.ofLongs(new int[] {n, len}, ids));
        out.put("attention_mask", NpyArray.ofLongs(new int[] {n, len}, mask));
        out.put("token_type_ids", NpyArray.ofLongs(new int[] {n, len}, types));
        return out;
    }

    /** Encodes and writes the set as a deflated {@code .npz} (atomically), returning it as read back. */
    public static CalibrationSet writeNpz(Path file, List<String> sentences, WordPieceTokenizer tok, int maxLength) {
        Npz.write(file, encode(sentences, tok, maxLength), true);
        return CalibrationSet.read(file);
    }
}
