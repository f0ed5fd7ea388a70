package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.google.protobuf.ByteString;
import io.comq.calibration.OrtTensors;
import io.comq.calibration.data.CalibrationSet;
import io.comq.calibration.data.CalibrationSplit;
import io.comq.error.InvalidConfigException;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.format.onnx.LayerSelection;
import io.comq.kernel.KernelOptions;
import io.comq.layer.LayerConfig;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.option.OptionNames;
import io.comq.option.Setting;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.quant.method.RtnConfig;
import io.comq.report.Drift;
import io.comq.report.ModelReport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pipeline on a masked sequence model, and the job's validation. */
class ModelQuantizerTest {
    @TempDir
    Path dir;

    static final int IN = 8;
    static final int OUT = 6;
    static final int SEQ = 5;

    static final LayerConfig RTN3 = LayerConfig.of(new RtnConfig(new GridSpec(3, Grid.SYM_MAXABS, 1.0, 0,
            TieRule.HALF_EVEN), Precision.FLOAT32));

    /** {@code y = (x @ W) * mask[..., None]}: x (N, S, 8) float, attention_mask (N, S) int64, y (N, S, 6). */
    static OnnxMl.ModelProto maskedModel(Random rnd) {
        ByteBuffer w = ByteBuffer.allocate(4 * IN * OUT).order(ByteOrder.LITTLE_ENDIAN);
        for (int k = 0; k < IN * OUT; k++) {
            w.putFloat((float) rnd.nextGaussian());
        }
        ByteBuffer axes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(2);
        OnnxMl.GraphProto g = OnnxMl.GraphProto.newBuilder().setName("masked")
                .addInput(value("x", TensorProto.DataType.FLOAT_VALUE, SEQ, IN))
                .addInput(value("attention_mask", TensorProto.DataType.INT64_VALUE, SEQ))
                .addOutput(value("y", TensorProto.DataType.FLOAT_VALUE, SEQ, OUT))
                .addInitializer(TensorProto.newBuilder().setName("W").addDims(IN).addDims(OUT)
                        .setDataType(TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(w.array())))
                .addInitializer(TensorProto.newBuilder().setName("axes").addDims(1)
                        .setDataType(TensorProto.DataType.INT64_VALUE).setRawData(ByteString.copyFrom(axes.array())))
                .addNode(node("MatMul", "fc", List.of("x", "W"), "xw"))
                .addNode(node("Cast", "cast", List.of("attention_mask"), "maskf").toBuilder()
                        .addAttribute(OnnxMl.AttributeProto.newBuilder().setName("to")
                                .setType(OnnxMl.AttributeProto.AttributeType.INT)
                                .setI(TensorProto.DataType.FLOAT_VALUE)).build())
                .addNode(node("Unsqueeze", "unsq", List.of("maskf", "axes"), "mask3"))
                .addNode(node("Mul", "mul", List.of("xw", "mask3"), "y"))
                .build();
        return OnnxMl.ModelProto.newBuilder().setIrVersion(8).setGraph(g)
                .addOpsetImport(OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(13)).build();
    }

    private static OnnxMl.NodeProto node(String op, String name, List<String> in, String out) {
        return OnnxMl.NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(in).addOutput(out).build();
    }

    private static OnnxMl.ValueInfoProto value(String name, int type, long... dims) {
        OnnxMl.TensorShapeProto.Builder s = OnnxMl.TensorShapeProto.newBuilder()
                .addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (long d : dims) {
            s.addDim(OnnxMl.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return OnnxMl.ValueInfoProto.newBuilder().setName(name).setType(OnnxMl.TypeProto.newBuilder()
                .setTensorType(OnnxMl.TypeProto.Tensor.newBuilder().setElemType(type).setShape(s))).build();
    }

    @Test
    void pooledCosineIsOverRealTokensOfHeldOutSamples() throws Exception {
        Random rnd = new Random(3);
        Path model = dir.resolve("m.onnx");
        Files.write(model, maskedModel(rnd).toByteArray());
        int n = 12;
        float[] x = new float[n * SEQ * IN];
        long[] mask = new long[n * SEQ];
        for (int k = 0; k < x.length; k++) {
            x[k] = (float) rnd.nextGaussian();
        }
        for (int s = 0; s < n; s++) {
            for (int t = 0; t < 1 + s % SEQ; t++) {
                mask[s * SEQ + t] = 1;
            }
        }
        Map<String, NpyArray> arrays = new LinkedHashMap<>();
        arrays.put("x", NpyArray.ofFloats(new int[] {n, SEQ, IN}, x));
        arrays.put("attention_mask", NpyArray.ofLongs(new int[] {n, SEQ}, mask));
        Path calib = dir.resolve("c.npz");
        Npz.write(calib, arrays, false);

        Path out = dir.resolve("out");
        ModelReport r = new ModelQuantizer().quantize(new ModelJob(model, calib, null, out, OutputFormat.QDQ, RTN3,
                LayerSelection.all(), 4, 0.5, 0, KernelOptions.auto(), false), null);
        Drift.Output o = r.drift().outputs().get(0);
        assertNotNull(o.pooledCosine());

        CalibrationSet held = CalibrationSplit.of(CalibrationSet.read(calib), 0.5, 0).validate();
        float[] y = run(model, held);
        float[] yq = run(out.resolve(ModelQuantizer.MODEL_FILE), held);
        long[] m = held.array("attention_mask").toLongs();
        double cos = 0;
        for (int s = 0; s < held.samples(); s++) {
            double[] a = new double[OUT];
            double[] b = new double[OUT];
            for (int t = 0; t < SEQ; t++) {
                if (m[s * SEQ + t] != 0) {
                    for (int j = 0; j < OUT; j++) {
                        a[j] += y[(s * SEQ + t) * OUT + j];
                        b[j] += yq[(s * SEQ + t) * OUT + j];
                    }
                }
            }
            double ab = 0;
            double aa = 0;
            double bb = 0;
            for (int j = 0; j < OUT; j++) {
                ab += a[j] * b[j];
                aa += a[j] * a[j];
                bb += b[j] * b[j];
            }
            cos += ab / Math.sqrt(aa * bb) / held.samples();
        }
        assertEquals(cos, o.pooledCosine(), 1e-9);
        assertTrue(cos < 0.99999 && cos > 0.9, "3-bit weights move the pooled vectors a little: " + cos);
        assertEquals(6L, r.drift().samples());
    }

    private static float[] run(Path model, CalibrationSet data) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession s = env.createSession(model.toString(), so);
                 OnnxTensor tx = OrtTensors.tensor(env, data.array("x"));
                 OnnxTensor tm = OrtTensors.tensor(env, data.array("attention_mask"));
                 OrtSession.Result r = s.run(Map.of("x", tx, "attention_mask", tm))) {
                return OrtTensors.floats("y", (OnnxTensor) r.get(0));
            }
        }
    }

    @Test
    void jobsThatCannotWorkAreRefused() {
        Path m = dir.resolve("m.onnx");
        Path c = dir.resolve("c.npz");
        Path o = dir.resolve("o");
        String msg = assertThrows(InvalidConfigException.class, () -> new ModelJob(m, null, null, o, OutputFormat.QDQ,
                RTN3, null, 4, 0.2, 0, null, false)).getMessage();
        assertTrue(msg.contains(Setting.CALIBRATION.ref()), msg);
        assertTrue(OptionNames.CLI.render(msg).contains("(--calibration)"), msg);
        assertTrue(OptionNames.JSON.render(msg).contains("(calibration)"), msg);
        msg = assertThrows(InvalidConfigException.class, () -> new ModelJob(m, null, null, o,
                OutputFormat.SAFETENSORS, RTN3, null, 4, 0.2, 0, null, false)).getMessage();
        assertTrue(OptionNames.CLI.render(msg).contains("--gram-dir"), msg);
        msg = assertThrows(InvalidConfigException.class, () -> new ModelJob(m, c, dir, o, OutputFormat.MATMULNBITS,
                RTN3, null, 4, 0.2, 0, null, false)).getMessage();
        assertTrue(OptionNames.CLI.render(msg).contains("--gram-dir is for safetensors"), msg);
        assertTrue(OptionNames.JSON.render(msg).contains("gramDir is for safetensors"), msg);
        msg = assertThrows(InvalidConfigException.class, () -> new ModelJob(m, null, dir, o, OutputFormat.SAFETENSORS,
                new LayerConfig(RTN3.method(), true), null, 4, 0.2, 0, null, false)).getMessage();
        assertTrue(msg.contains("bias correction"), msg);
        msg = assertThrows(InvalidConfigException.class, () -> new ModelJob(m, c, null, o, OutputFormat.QDQ, RTN3,
                null, 0, 0.2, 0, null, false)).getMessage();
        assertTrue(msg.contains("batch size"), msg);
        msg = assertThrows(InvalidConfigException.class, () -> new ModelJob(m, c, null, o, OutputFormat.QDQ, RTN3,
                null, 4, -0.1, 0, null, false)).getMessage();
        assertTrue(msg.contains("validation fraction"), msg);
    }

    @Test
    void perLayerBitsKeepEverythingElse() {
        ModelJob job = new ModelJob(dir.resolve("m.onnx"), dir.resolve("c.npz"), null, dir.resolve("o"),
                OutputFormat.QDQ, LayerConfig.of(io.comq.quant.method.ComqConfig.of(GridSpec.defaults())
                .withInit(io.comq.quant.method.ComqConfig.Init.GPTQ).withSweeps(2)), null, 4, 0.2, 0, null, false);
        io.comq.quant.method.ComqConfig c = (io.comq.quant.method.ComqConfig) RunSettings.configFor(job, 8).method();
        assertEquals(8, c.grid().bits());
        assertEquals(8, c.gptq().grid().bits());
        assertEquals(2, c.sweeps());
        assertEquals(io.comq.quant.method.ComqConfig.Init.GPTQ, c.init());
    }
}
