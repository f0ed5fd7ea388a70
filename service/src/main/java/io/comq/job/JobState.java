package io.comq.job;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A job's state. {@code queued -> running -> succeeded | failed | cancelled}; {@code queued -> cancelled}; a
 * {@code running} job whose process stopped goes back to {@code queued} (and runs again) when the service restarts.
 */
public enum JobState {
    QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED;

    /** The name in the API: lower case. */
    @JsonValue
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the job will not change any more. */
    public boolean terminal() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED;
    }

    /** The state named {@code s} (any case). */
    public static JobState parse(String s) {
        for (JobState st : values()) {
            if (st.id().equalsIgnoreCase(s.trim())) {
                return st;
            }
        }
        throw new IllegalArgumentException("unknown job state '" + s + "': use queued, running, succeeded, failed "
                + "or cancelled");
    }
}
