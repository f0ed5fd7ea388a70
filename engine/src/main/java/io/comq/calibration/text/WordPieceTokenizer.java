package io.comq.calibration.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.comq.error.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * BERT's uncased WordPiece tokenizer, as Hugging Face's {@code tokenizer.json} describes it (BertNormalizer,
 * BertPreTokenizer, WordPiece, the {@code [CLS] A [SEP]} template):
 * <ol>
 *   <li>clean text: drop NUL, U+FFFD and control characters, turn every whitespace character into a space;</li>
 *   <li>put spaces around CJK ideographs;</li>
 *   <li>lowercase, and strip accents (NFD, drop non-spacing marks) when lowercasing;</li>
 *   <li>split on whitespace, and split off every punctuation character (ASCII punctuation or Unicode category P) as a
 *   word of its own;</li>
 *   <li>WordPiece: greedy longest match from the start of each word, continuations prefixed {@code ##}; a word longer than
 *   {@code max_input_chars_per_word} or with a piece not in the vocabulary becomes {@code [UNK]}.</li>
 * </ol>
 * Immutable and thread-safe.
 */
public final class WordPieceTokenizer {

    /** Token ids, attention mask and token type ids of one sequence, unpadded. */
    public record Encoding(long[] ids, long[] attentionMask, long[] typeIds) {
        public int length() {
            return ids.length;
        }
    }

    /** The length the all-MiniLM/BERT family is trained for. */
    public static final int DEFAULT_MAX_LENGTH = 128;

    private final Map<String, Integer> vocab;
    private final boolean lowercase;
    private final boolean stripAccents;
    private final String unk;
    private final String prefix;
    private final int maxCharsPerWord;
    private final int cls;
    private final int sep;
    private final int pad;

    private WordPieceTokenizer(Map<String, Integer> vocab, boolean lowercase, boolean stripAccents, String unk,
                               String prefix, int maxCharsPerWord) {
        this.vocab = vocab;
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
        this.unk = unk;
        this.prefix = prefix;
        this.maxCharsPerWord = maxCharsPerWord;
        this.cls = id("[CLS]");
        this.sep = id("[SEP]");
        this.pad = id("[PAD]");
        id(unk);
    }

    private int id(String token) {
        Integer id = vocab.get(token);
        if (id == null) {
            throw new InvalidInputException("the tokenizer vocabulary has no " + token + " token");
        }
        return id;
    }

    /** Reads a Hugging Face {@code tokenizer.json} with a WordPiece model. */
    public static WordPieceTokenizer fromTokenizerJson(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return fromTokenizerJson(in);
        } catch (IOException e) {
            throw new InvalidInputException(file + ": cannot read the tokenizer (" + e.getMessage() + ")", e);
        }
    }

    /** Reads a Hugging Face {@code tokenizer.json} with a WordPiece model from a stream (not closed). */
    public static WordPieceTokenizer fromTokenizerJson(InputStream json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        JsonNode model = root == null ? null : root.get("model");
        if (model == null || !"WordPiece".equals(model.path("type").asText()) || !model.path("vocab").isObject()) {
            throw new InvalidInputException("not a WordPiece tokenizer.json: its model must be of type WordPiece with "
                    + "a vocab");
        }
        Map<String, Integer> vocab = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().asInt());
        }
        JsonNode norm = root.path("normalizer");
        boolean lower = norm.path("lowercase").asBoolean(true);
        JsonNode strip = norm.path("strip_accents");
        boolean stripAccents = strip.isBoolean() ? strip.asBoolean() : lower;
        return new WordPieceTokenizer(Collections.unmodifiableMap(vocab), lower, stripAccents,
                model.path("unk_token").asText("[UNK]"), model.path("continuing_subword_prefix").asText("##"),
                model.path("max_input_chars_per_word").asInt(100));
    }

    /** Id of the padding token. */
    public int padId() {
        return pad;
    }

    /** {@code [CLS] tokens [SEP]}, truncated to {@value #DEFAULT_MAX_LENGTH} tokens in all. */
    public Encoding encode(String text) {
        return encode(text, DEFAULT_MAX_LENGTH);
    }

    /** {@code [CLS] tokens [SEP]}, the tokens truncated so that the whole is at most {@code maxLength}. */
    public Encoding encode(String text, int maxLength) {
        if (maxLength < 2) {
            throw new InvalidInputException("a sequence needs room for [CLS] and [SEP], got max length " + maxLength);
        }
        List<String> tokens = tokenize(text);
        int n = Math.min(tokens.size(), maxLength - 2);
        long[] ids = new long[n + 2];
        ids[0] = cls;
        for (int k = 0; k < n; k++) {
            ids[k + 1] = vocab.get(tokens.get(k));
        }
        ids[n + 1] = sep;
        long[] mask = new long[n + 2];
        java.util.Arrays.fill(mask, 1);
        return new Encoding(ids, mask, new long[n + 2]);
    }

    /** The WordPiece tokens of a text, without special tokens. */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String word : preTokenize(normalize(text))) {
            wordPiece(word, out);
        }
        return out;
    }

    String normalize(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || isControl(c)) {
                return;
            }
            if (isWhitespace(c)) {
                sb.append(' ');
            } else if (isCjk(c)) {
                sb.append(' ').appendCodePoint(c).append(' ');
            } else {
                sb.appendCodePoint(c);
            }
        });
        String s = sb.toString();
        if (stripAccents) {
            StringBuilder t = new StringBuilder(s.length());
            Normalizer.normalize(s, Normalizer.Form.NFD).codePoints().forEach(c -> {
                if (Character.getType(c) != Character.NON_SPACING_MARK) {
                    t.appendCodePoint(c);
                }
            });
            s = t.toString();
        }
        return lowercase ? s.toLowerCase(java.util.Locale.ROOT) : s;
    }

    static List<String> preTokenize(String s) {
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        s.codePoints().forEach(c -> {
            if (isWhitespace(c)) {
                flush(cur, words);
            } else if (isPunctuation(c)) {
                flush(cur, words);
                words.add(new String(Character.toChars(c)));
            } else {
                cur.appendCodePoint(c);
            }
        });
        flush(cur, words);
        return words;
    }

    private static void flush(StringBuilder cur, List<String> words) {
        if (cur.length() > 0) {
            words.add(cur.toString());
            cur.setLength(0);
        }
    }

    private void wordPiece(String word, List<String> out) {
        int[] cps = word.codePoints().toArray();
        if (cps.length > maxCharsPerWord) {
            out.add(unk);
            return;
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < cps.length) {
            int end = cps.length;
            String found = null;
            while (start < end) {
                String sub = new String(cps, start, end - start);
                if (start > 0) {
                    sub = prefix + sub;
                }
                if (vocab.containsKey(sub)) {
                    found = sub;
                    break;
                }
                end--;
            }
            if (found == null) {
                out.add(unk);
                return;
            }
            pieces.add(found);
            start = end;
        }
        out.addAll(pieces);
    }

    private static boolean isWhitespace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || Character.getType(c) == Character.SPACE_SEPARATOR;
    }

    private static boolean isControl(int c) {
        if (c == '\t' || c == '\n' || c == '\r') {
            return false;
        }
        int t = Character.getType(c);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.UNASSIGNED
                || t == Character.PRIVATE_USE || t == Character.SURROGATE;
    }

    private static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        switch (Character.getType(c)) {
            case Character.CONNECTOR_PUNCTUATION:
            case Character.DASH_PUNCTUATION:
            case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION:
            case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION:
            case Character.OTHER_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    private static boolean isCjk(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }
}
