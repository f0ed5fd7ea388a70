package io.comq.format.onnx;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Model-wide state of one write: names in use, replaced constants, opset needs, the report. */
final class RewriteState {
    final WriteOptions options;
    final ExternalData external;
    final Set<String> replaced = new HashSet<>();
    final List<WriteReport.Layer> report = new ArrayList<>();
    private final Set<String> names;
    int opset;
    int irVersion;
    boolean microsoftDomain;

    RewriteState(WriteOptions options, ExternalData external, Set<String> names) {
        this.options = options;
        this.external = external;
        this.names = names;
    }

    /** A tensor or node name not used anywhere in the model yet. */
    String fresh(String base) {
        if (names.add(base)) {
            return base;
        }
        for (int k = 1; ; k++) {
            String n = base + "_" + k;
            if (names.add(n)) {
                return n;
            }
        }
    }

    void require(int opsetVersion, int ir) {
        opset = Math.max(opset, opsetVersion);
        irVersion = Math.max(irVersion, ir);
    }
}
