package io.comq.format.safetensors;

import io.comq.error.InvalidConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Weight-only discovery of the linear layers of a safetensors LLM checkpoint: every 2-D float tensor whose name ends
 * in {@code .weight} and does not match the exclude pattern (embeddings, norms, {@code lm_head} by default). Such a
 * tensor is taken to be a PyTorch {@code nn.Linear} weight {@code (out, in)}; checkpoints that store {@code (in, out)}
 * (GPT-2's {@code Conv1D}) are not recognised as such and must be excluded or transposed by the caller.
 */
public final class LinearLayers {
    private LinearLayers() {
    }

    /**
     * Matches names of tensors that are not quantized linear weights: token and position embeddings, every kind of
     * norm, and the output head (matched anywhere in the name, case-insensitively, between dots).
     */
    public static final String DEFAULT_EXCLUDE =
            "(?i)(^|\\.)(embed[a-z_]*|wte|wpe|lm_head|[a-z_]*norm[a-z_0-9]*|ln_[a-z0-9_]*|ln[0-9]*)(\\.|$)";

    /** Finds the linear layers with {@link #DEFAULT_EXCLUDE}. */
    public static List<LinearLayer> find(SafetensorsCheckpoint checkpoint) {
        return find(checkpoint, DEFAULT_EXCLUDE);
    }

    /**
     * Finds the linear layers, leaving out every tensor whose name {@code exclude} matches (a Java regex searched
     * anywhere in the name; {@code null} or empty excludes nothing), in checkpoint order.
     *
     * @throws InvalidConfigException if {@code exclude} is not a valid regex
     */
    public static List<LinearLayer> find(SafetensorsCheckpoint checkpoint, String exclude) {
        Pattern ex = compile(exclude);
        List<LinearLayer> out = new ArrayList<>();
        for (TensorInfo t : checkpoint.tensors()) {
            String name = t.name();
            if (!name.endsWith(".weight") || t.ndim() != 2 || !t.dtype().isFloat()) {
                continue;
            }
            if (ex != null && ex.matcher(name).find()) {
                continue;
            }
            String prefix = name.substring(0, name.length() - ".weight".length());
            String bias = checkpoint.contains(prefix + ".bias") ? prefix + ".bias" : null;
            out.add(new LinearLayer(name, prefix, t.dim(1), t.dim(0), t.dtype(), bias));
        }
        return out;
    }

    private static Pattern compile(String exclude) {
        if (exclude == null || exclude.isEmpty()) {
            return null;
        }
        try {
            return Pattern.compile(exclude);
        } catch (PatternSyntaxException e) {
            throw new InvalidConfigException("exclude pattern is not a valid regular expression: " + e.getMessage());
        }
    }
}
