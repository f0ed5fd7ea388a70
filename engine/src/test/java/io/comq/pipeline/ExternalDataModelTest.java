package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.format.onnx.LayerSelection;
import io.comq.kernel.KernelOptions;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.method.ComqConfig;
import io.comq.report.ModelReport;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose weights live in an external data file, quantized end to end: read from the side file, calibrated
 * through ONNX Runtime with the side file referenced from its folder, written and measured. The side file is larger
 * than 2 GB (sparse: only the weights at its end are written), with the weights past the 2 GB mark, so the offsets
 * are 64-bit and nothing reads the file whole.
 */
class ExternalDataModelTest {
    @TempDir
    Path dir;

    static final int IN = 32;
    static final int SAMPLES = 40;
    static final long BEYOND_2GB = (1L << 31) + 4096;

    static TensorProto external(String name, long offset, int rows, int cols) {
        return TensorProto.newBuilder().setName(name).addDims(rows).addDims(cols)
                .setDataType(TensorProto.DataType.FLOAT_VALUE).setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", "weights.bin"))
                .addExternalData(entry("offset", Long.toString(offset)))
                .addExternalData(entry("length", Long.toString(4L * rows * cols))).build();
    }

    static OnnxMl.StringStringEntryProto entry(String k, String v) {
        return OnnxMl.StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    /** X (N, 32) -> MatMul W1 -> Relu -> MatMul W2 -> Y, both weights in weights.bin past {@code offset}. */
    static Path model(Path dir, long offset, Random rnd) throws Exception {
        ByteBuffer w = ByteBuffer.allocate(2 * 4 * IN * IN).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < 2 * IN * IN; k++) {
            w.putFloat((float) (rnd.nextGaussian() / Math.sqrt(IN)));
        }
        w.flip();
        Path data = dir.resolve("weights.bin");
        try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
            f.setLength(offset);
        }
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
            ch.write(w, offset);
        }
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("ext")
                .addInput(ModelQuantizerTestValues.value("x", IN))
                .addOutput(ModelQuantizerTestValues.value("y", IN))
                .addInitializer(external("W1", offset, IN, IN))
                .addInitializer(external("W2", offset + 4L * IN * IN, IN, IN))
                .addNode(node("MatMul", "fc1", List.of("x", "W1"), "h"))
                .addNode(node("Relu", "relu", List.of("h"), "a"))
                .addNode(node("MatMul", "fc2", List.of("a", "W2"), "y"))
                .build();
        Path model = dir.resolve("model.onnx");
        Files.write(model, OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build()
                .toByteArray());
        return model;
    }

    static OnnxMl.NodeProto node(String op, String name, List<String> in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).build();
    }

    static Path calibration(Path dir, Random rnd) throws Exception {
        float[] x = new float[SAMPLES * IN];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) rnd.nextGaussian();
        }
        Path calib = dir.resolve("calib.npz");
        Npz.write(calib, Map.of("x", NpyArray.ofFloats(new int[] {SAMPLES, IN}, x)), false);
        return calib;
    }

    @Test
    void quantizesAModelWhoseWeightsLieBeyondTwoGigabytesOfASideFile() throws Exception {
        Random rnd = new Random(7);
        Path src = Files.createDirectory(dir.resolve("src"));
        Path model = model(src, BEYOND_2GB, rnd);
        assertTrue(Files.size(src.resolve("weights.bin")) > 1L << 31, "the side file is over 2 GB");
        assertTrue(Files.size(model) < 4096, "the model file itself holds no weights");
        Path out = dir.resolve("out");
        ModelReport r = new ModelQuantizer().quantize(new ModelJob(model, calibration(dir, rnd), null, out,
                OutputFormat.QDQ, LayerConfig.of(ComqConfig.of(GridSpec.defaults())), LayerSelection.all(), 8, 0.25, 0,
                KernelOptions.auto(), false), null);
        assertEquals(List.of("fc1", "fc2"), r.layers().stream().map(l -> l.name()).toList());
        for (var l : r.layers()) {
            assertTrue(l.relError() <= l.rtnRelError() + 1e-9 && l.relError() < 0.2, l.name() + ": " + l.relError());
        }
        double cos = r.drift().outputs().get(0).meanCosine();
        assertTrue(cos > 0.98, "4-bit COMQ output against the float model: " + cos);
        assertEquals(Set.of("model.onnx", "report.json", "report.html"), Set.of(out.toFile().list()),
                "the small quantized model is written inline, nothing else left in the folder");
        OnnxMl.ModelProto q = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(out.resolve("model.onnx")));
        for (TensorProto t : q.getGraph().getInitializerList()) {
            assertFalse(t.getDataLocation() == TensorProto.DataLocation.EXTERNAL, t.getName() + " is inline");
        }
    }
}
