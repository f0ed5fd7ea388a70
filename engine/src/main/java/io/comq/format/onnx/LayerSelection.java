package io.comq.format.onnx;

import io.comq.error.InvalidConfigException;
import io.comq.option.Setting;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Which discovered layers to quantize, and at how many bits. Embedding tables ({@code Gather}), normalisations and
 * biases are never candidates; this selection narrows the MatMul/Gemm/Conv layers further.
 *
 * @param exclude      regular expressions; a layer is skipped when one is found in its id, node name or weight name
 * @param opTypes      op types to quantize, a subset of {@link #SUPPORTED_OPS}; empty means all of them
 * @param bitOverrides bits per layer, keyed by layer id, node name or weight name (2..8)
 */
public record LayerSelection(List<String> exclude, Set<String> opTypes, Map<String, Integer> bitOverrides) {

    /** The op types discovery knows, in the order reports and messages list them. */
    public static final List<String> SUPPORTED_OPS = List.of("MatMul", "Gemm", "Conv");

    public LayerSelection {
        exclude = List.copyOf(exclude == null ? List.of() : exclude);
        opTypes = Set.copyOf(opTypes == null ? Set.of() : opTypes);
        bitOverrides = Map.copyOf(bitOverrides == null ? Map.of() : bitOverrides);
        for (String r : exclude) {
            try {
                Pattern.compile(r);
            } catch (PatternSyntaxException e) {
                throw new InvalidConfigException(Setting.EXCLUDE.ref() + " '" + r
                        + "' is not a valid regular expression: "
                        + e.getDescription());
            }
        }
        for (String op : opTypes) {
            if (!SUPPORTED_OPS.contains(op)) {
                throw new InvalidConfigException("op type '" + op + "' cannot be quantized; use one of "
                        + SUPPORTED_OPS);
            }
        }
        for (Map.Entry<String, Integer> e : bitOverrides.entrySet()) {
            if (e.getKey().isBlank()) {
                throw new InvalidConfigException("a bit override needs a layer name: write name=bits");
            }
            if (e.getValue() < 2 || e.getValue() > 8) {
                throw new InvalidConfigException("bits for layer '" + e.getKey() + "' must be between 2 and 8, got "
                        + e.getValue());
            }
        }
    }

    /**
     * The op types left to quantize when {@code excluded} are left out: empty (meaning all) when none is; a name that
     * is not a quantizable op type, or leaving none, is refused.
     */
    public static List<String> keptOps(List<String> excluded) {
        if (excluded == null || excluded.isEmpty()) {
            return List.of();
        }
        Set<String> keep = new LinkedHashSet<>(SUPPORTED_OPS);
        for (String op : excluded) {
            if (!SUPPORTED_OPS.contains(op)) {
                throw new InvalidConfigException(Setting.EXCLUDE_OPS.ref() + " '" + op + "' is not a quantizable op "
                        + "type; use one of " + SUPPORTED_OPS);
            }
            keep.remove(op);
        }
        if (keep.isEmpty()) {
            throw new InvalidConfigException(Setting.EXCLUDE_OPS.ref() + " excludes every quantizable op type; "
                    + "nothing would be quantized");
        }
        return new ArrayList<>(keep);
    }

    /** Every MatMul, Gemm and Conv layer, at the default bits. */
    public static LayerSelection all() {
        return new LayerSelection(List.of(), Set.of(), Map.of());
    }

    /**
     * A selection from command-line style values: exclude regexes, op types, and overrides written {@code name=bits}.
     */
    public static LayerSelection parse(List<String> exclude, List<String> opTypes, List<String> overrides) {
        return new LayerSelection(exclude, opTypes == null ? Set.of() : new LinkedHashSet<>(opTypes),
                overrides(overrides));
    }

    /** Bit overrides written {@code name=bits}, by layer name; a malformed one or a layer named twice is refused. */
    public static Map<String, Integer> overrides(List<String> overrides) {
        Map<String, Integer> bits = new LinkedHashMap<>();
        for (String o : overrides == null ? List.<String>of() : overrides) {
            int eq = o.lastIndexOf('=');
            if (eq <= 0 || eq == o.length() - 1) {
                throw new InvalidConfigException(Setting.LAYER_BITS.ref() + " '" + o + "' must be written name=bits, "
                        + "e.g. fc1=8");
            }
            String name = o.substring(0, eq).trim();
            try {
                if (bits.put(name, Integer.parseInt(o.substring(eq + 1).trim())) != null) {
                    throw new InvalidConfigException("layer '" + name + "' has two bit overrides");
                }
            } catch (NumberFormatException e) {
                throw new InvalidConfigException(Setting.LAYER_BITS.ref() + " '" + o + "': '" + o.substring(eq + 1)
                        + "' is not a whole number of bits");
            }
        }
        return bits;
    }

    /** True when the layer's op type is selected and no exclude pattern matches it. */
    public boolean selects(OnnxLayer layer) {
        if (!opTypes.isEmpty() && !opTypes.contains(layer.opType())) {
            return false;
        }
        for (String r : exclude) {
            Pattern p = Pattern.compile(r);
            if (p.matcher(layer.id()).find() || p.matcher(layer.nodeName()).find()
                    || p.matcher(layer.weightName()).find()) {
                return false;
            }
        }
        return true;
    }

    /** The bits of this layer: its override (by id, node name or weight name), else {@code defaultBits}. */
    public int bits(OnnxLayer layer, int defaultBits) {
        for (String key : keys(layer)) {
            Integer b = bitOverrides.get(key);
            if (b != null) {
                return b;
            }
        }
        return defaultBits;
    }

    /** Override keys that name none of the given layers (a typo the user should hear about). */
    public List<String> unmatchedOverrides(List<OnnxLayer> layers) {
        Set<String> known = new LinkedHashSet<>();
        for (OnnxLayer l : layers) {
            known.addAll(keys(l));
        }
        List<String> bad = new ArrayList<>();
        for (String k : bitOverrides.keySet()) {
            if (!known.contains(k)) {
                bad.add(k);
            }
        }
        return bad;
    }

    private static List<String> keys(OnnxLayer l) {
        return List.of(l.id(), l.nodeName(), l.weightName());
    }
}
