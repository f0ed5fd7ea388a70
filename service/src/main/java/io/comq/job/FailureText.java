package io.comq.job;

import io.comq.option.OptionNames;
import java.util.Map;

/**
 * What a failed job tells its client: the engine's message with settings named by their JSON fields and the server's
 * paths replaced by what the client knows (the model's id, "the job's folder").
 */
final class FailureText {
    private FailureText() {
    }

    static String of(String message, Map<String, String> names) {
        // settings named as the job's JSON names them
        String m = message == null ? "" : OptionNames.JSON.render(message);
        for (Map.Entry<String, String> e : names.entrySet()) {
            m = m.replace(e.getKey(), e.getValue());
        }
        return m;
    }
}
