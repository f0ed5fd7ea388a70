package io.comq.format.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorProto.DataType;

/** Checks that a constant can be a layer's weight. */
final class Weights {
    private Weights() {
    }

    /** Null when {@code t} is a float tensor of the given rank (at least {@code minRank} when negative), else why not. */
    static String check(TensorProto t, int rank) {
        if (!TensorCodec.isFloat(t.getDataType())) {
            return "weight " + t.getName() + " has element type " + DataType.forNumber(t.getDataType())
                    + ", not a float type";
        }
        int r = t.getDimsCount();
        if (rank > 0 ? r != rank : r < -rank) {
            return "weight " + t.getName() + " has rank " + r + ", expected " + (rank > 0 ? "" : "at least ")
                    + Math.abs(rank);
        }
        for (long d : t.getDimsList()) {
            if (d <= 0 || d > Integer.MAX_VALUE) {
                return "weight " + t.getName() + " has dimensions " + t.getDimsList();
            }
        }
        return null;
    }
}
