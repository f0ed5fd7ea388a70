package io.comq.numeric;

import io.comq.error.InvalidConfigException;
import java.util.Arrays;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Parses the user-facing names of the engine's enums, with an error that lists what is accepted. */
public final class Names {
    private Names() {
    }

    public static <E extends Enum<E>> E parse(Class<E> type, String s, Function<E, String> id) {
        for (E e : type.getEnumConstants()) {
            if (id.apply(e).equalsIgnoreCase(s.trim())) {
                return e;
            }
        }
        String accepted = Arrays.stream(type.getEnumConstants()).map(id).collect(Collectors.joining(", "));
        throw new InvalidConfigException("unknown " + type.getSimpleName() + " '" + s + "': use one of " + accepted);
    }
}
