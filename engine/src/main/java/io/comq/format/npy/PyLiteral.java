package io.comq.format.npy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses the small subset of Python literals a {@code .npy} header uses: a dict with string keys whose values are
 * strings, {@code True}/{@code False}, integers (a Python 2 {@code L} suffix allowed), tuples and lists of these.
 * Tuples and lists become {@link List}, integers {@link Long}.
 */
final class PyLiteral {

    /** A header that is not such a literal; the message says where and why. */
    static final class SyntaxError extends Exception {
        private static final long serialVersionUID = 1L;

        SyntaxError(String message) {
            super(message);
        }
    }

    private final String s;
    private int pos;

    private PyLiteral(String s) {
        this.s = s;
    }

    /** Parses {@code text} (surrounding whitespace allowed) as one dict literal. */
    static Map<String, Object> parseDict(String text) throws SyntaxError {
        PyLiteral p = new PyLiteral(text);
        p.skipSpace();
        if (!p.peek('{')) {
            throw new SyntaxError("the header is not a Python dict (it does not start with '{')");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> dict = (Map<String, Object>) p.value();
        p.skipSpace();
        if (p.pos != p.s.length()) {
            throw p.error("unexpected text after the dict");
        }
        return dict;
    }

    private Object value() throws SyntaxError {
        skipSpace();
        if (pos >= s.length()) {
            throw error("unexpected end of header");
        }
        char c = s.charAt(pos);
        if (c == '{') {
            return dict();
        }
        if (c == '(') {
            return sequence('(', ')');
        }
        if (c == '[') {
            return sequence('[', ']');
        }
        if (c == '\'' || c == '"') {
            return string();
        }
        if (c == '-' || c == '+' || Character.isDigit(c)) {
            return integer();
        }
        if (s.startsWith("True", pos)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("False", pos)) {
            pos += 5;
            return Boolean.FALSE;
        }
        if (s.startsWith("None", pos)) {
            pos += 4;
            return null;
        }
        throw error("unexpected character '" + c + "'");
    }

    private Map<String, Object> dict() throws SyntaxError {
        Map<String, Object> out = new LinkedHashMap<>();
        pos++; // '{'
        while (true) {
            skipSpace();
            if (peek('}')) {
                pos++;
                return out;
            }
            Object key = value();
            if (!(key instanceof String k)) {
                throw error("dict keys must be strings");
            }
            skipSpace();
            expect(':');
            out.put(k, value());
            skipSpace();
            if (peek(',')) {
                pos++;
            } else if (!peek('}')) {
                throw error("expected ',' or '}'");
            }
        }
    }

    private List<Object> sequence(char open, char close) throws SyntaxError {
        List<Object> out = new ArrayList<>();
        pos++; // open
        while (true) {
            skipSpace();
            if (peek(close)) {
                pos++;
                return out;
            }
            out.add(value());
            skipSpace();
            if (peek(',')) {
                pos++;
            } else if (!peek(close)) {
                throw error("expected ',' or '" + close + "'");
            }
        }
    }

    private String string() throws SyntaxError {
        char quote = s.charAt(pos++);
        StringBuilder sb = new StringBuilder();
        while (pos < s.length()) {
            char c = s.charAt(pos++);
            if (c == quote) {
                return sb.toString();
            }
            if (c == '\\' && pos < s.length()) {
                c = s.charAt(pos++);
            }
            sb.append(c);
        }
        throw error("unterminated string");
    }

    private Long integer() throws SyntaxError {
        int start = pos;
        if (s.charAt(pos) == '-' || s.charAt(pos) == '+') {
            pos++;
        }
        while (pos < s.length() && Character.isDigit(s.charAt(pos))) {
            pos++;
        }
        String digits = s.substring(start, pos);
        if (pos < s.length() && (s.charAt(pos) == 'L' || s.charAt(pos) == 'l')) {
            pos++;
        }
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw error("'" + digits + "' is not an integer in the int64 range");
        }
    }

    private void expect(char c) throws SyntaxError {
        if (!peek(c)) {
            throw error("expected '" + c + "'");
        }
        pos++;
    }

    private boolean peek(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private void skipSpace() {
        while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
            pos++;
        }
    }

    private SyntaxError error(String what) {
        return new SyntaxError(what + " at character " + pos + " of the header");
    }
}
