package io.comq.option;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** How a front end names settings: the command line by flags, the REST API (and its reports) by JSON fields. */
public enum OptionNames {
    /** {@code calibrationMode -> --calibration-mode}, and {@code excludeOps -> --exclude-op} as the flag is singular. */
    CLI {
        @Override
        public String name(Setting s) {
            if (s == Setting.EXCLUDE_OPS) {
                return "--exclude-op";
            }
            return "--" + s.key().replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
        }
    },
    /** The key itself: {@code calibrationMode}. */
    JSON {
        @Override
        public String name(Setting s) {
            return s.key();
        }
    };

    static final String OPEN = "\u2039";
    static final String CLOSE = "\u203a";
    private static final Pattern MARKER = Pattern.compile(OPEN + "([A-Za-z]+)" + CLOSE);

    /** The name this front end shows for {@code s}. */
    public abstract String name(Setting s);

    /** {@code message} with every setting marker ({@link Setting#ref()}) replaced by this front end's name. */
    public String render(String message) {
        if (message == null || !message.contains(OPEN)) {
            return message;
        }
        Matcher m = MARKER.matcher(message);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            Setting s = Setting.byKey(m.group(1));
            m.appendReplacement(b, Matcher.quoteReplacement(s == null ? m.group(1) : name(s)));
        }
        m.appendTail(b);
        return b.toString();
    }
}
