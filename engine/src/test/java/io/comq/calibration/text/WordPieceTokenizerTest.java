package io.comq.calibration.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.comq.error.InvalidInputException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Against bert-base-uncased outputs published in the Hugging Face and BERT documentation. */
class WordPieceTokenizerTest {

    private final WordPieceTokenizer tok = MiniLm.tokenizer();

    @Test
    void knownIds() {
        assertArrayEquals(new long[] {101, 7592, 2088, 102}, tok.encode("hello world").ids());
        // the BertModel docstring example
        assertArrayEquals(new long[] {101, 7592, 1010, 2026, 3899, 2003, 10140, 102},
                tok.encode("Hello, my dog is cute").ids());
        WordPieceTokenizer.Encoding e = tok.encode("Hello, my dog is cute");
        assertArrayEquals(new long[] {1, 1, 1, 1, 1, 1, 1, 1}, e.attentionMask());
        assertArrayEquals(new long[8], e.typeIds());
    }

    @Test
    void subwordsPunctuationCaseAndAccents() {
        // the "summary of the tokenizers" example
        assertEquals(List.of("i", "have", "a", "new", "gp", "##u", "!"), tok.tokenize("I have a new GPU!"));
        assertEquals(List.of("token", "##ization"), tok.tokenize("Tokenization"));
        assertEquals(List.of("naive", "cafe"), tok.tokenize("NAÏVE  Café"));
        assertEquals(List.of("中", "国", "hello"), tok.tokenize("中国hello"));
        assertEquals(List.of("a", "[UNK]", "b"), tok.tokenize("a \uD83D\uDE42 b"));
        assertEquals(List.of("x", "-", "y", "'", "s"), tok.tokenize("x-y's\u0000\u200B"));
        assertEquals(List.of(), tok.tokenize(" \t\n "));
    }

    @Test
    void truncatesToMaxLengthKeepingSep() {
        String longText = "word ".repeat(300);
        WordPieceTokenizer.Encoding e = tok.encode(longText);
        assertEquals(128, e.length());
        assertEquals(101, e.ids()[0]);
        assertEquals(102, e.ids()[127]);
        assertEquals(10, tok.encode(longText, 10).length());
        assertThrows(InvalidInputException.class, () -> tok.encode("x", 1));
    }

    @Test
    void refusesNonWordPieceJson() {
        assertThrows(InvalidInputException.class, () -> WordPieceTokenizer.fromTokenizerJson(
                new ByteArrayInputStream("{\"model\":{\"type\":\"BPE\",\"vocab\":{}}}".getBytes(StandardCharsets.UTF_8))));
    }
}
