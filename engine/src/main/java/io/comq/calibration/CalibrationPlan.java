package io.comq.calibration;

import ai.onnx.proto.OnnxMl;
import io.comq.error.InvalidModelException;
import io.comq.format.onnx.OnnxLayer;
import io.comq.format.onnx.OnnxModel;
import io.comq.format.onnx.SubgraphOutputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the calibrator runs for a set of layers: the model with the inputs of layers inside {@code If}, {@code Loop}
 * and {@code Scan} bodies brought out to the main graph ({@link SubgraphOutputs}), the folder its external data is read
 * from, and one target per layer reading the main-graph name of its input. Layers of the main graph read their input
 * directly; a layer in an {@code If} branch sees exactly the samples that take the branch; a layer in a loop body sees
 * one row (or image) per sample per iteration.
 *
 * @param model           the model to run (the original when every layer is in the main graph)
 * @param externalDataDir the folder external data locations are relative to, or null for a model built in memory
 * @param targets         one per layer, in the layers' order, named by {@link OnnxLayer#id()}
 */
public record CalibrationPlan(OnnxMl.ModelProto model, Path externalDataDir, List<CalibrationTarget> targets) {
    public CalibrationPlan {
        targets = List.copyOf(targets);
    }

    /**
     * The plan for these layers of {@code model}.
     *
     * @throws InvalidModelException if a layer's input cannot be brought out or read (see
     *                               {@link CalibrationTargets#of(OnnxLayer)})
     */
    public static CalibrationPlan of(OnnxModel model, List<OnnxLayer> layers) {
        List<SubgraphOutputs.Wanted> wanted = new ArrayList<>();
        for (OnnxLayer l : layers) {
            wanted.add(new SubgraphOutputs.Wanted(l.graphPath(), l.inputName(), emptyDims(l)));
        }
        SubgraphOutputs.Exposed exposed = SubgraphOutputs.expose(model.proto(), wanted);
        List<CalibrationTarget> targets = new ArrayList<>(layers.size());
        for (OnnxLayer l : layers) {
            targets.add(CalibrationTargets.of(l, exposed.name(l.graphPath(), l.inputName())));
        }
        Path dir = model.file() == null ? null : model.file().getParent();
        return new CalibrationPlan(exposed.model(), dir, targets);
    }

    /** An empty input of the layer's rank: {@code (0, in)} for MatMul/Gemm, {@code (0, C, 1...)} for a conv. */
    private static List<Long> emptyDims(OnnxLayer l) {
        List<Long> dims = new ArrayList<>();
        dims.add(0L);
        if (l.conv() == null) {
            dims.add((long) l.in());
        } else {
            dims.add(l.groups() * l.weightShape().get(1));
            dims.addAll(Collections.nCopies(l.conv().kernelShape().size(), 1L));
        }
        return dims;
    }
}
