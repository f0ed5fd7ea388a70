package io.comq.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.comq.kernel.cpu.ScalarKernel;
import io.comq.quant.GridSpec;
import io.comq.layer.LayerConfig;
import io.comq.quant.LayerProblem;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.quant.method.ComqConfig;
import io.comq.tensor.Matrix;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ReportsTest {
    @TempDir
    Path dir;

    private static final String EVIL = "blocks.0.attn<script>alert('x')</script>&\"q\".weight";

    private static LayerEntry entry(String name, double rtn, double fin) {
        return new LayerEntry(name, "Linear", List.of(64, 32), 4, 0, "sym-maxabs", "comq", rtn, fin, 3, 12.5, "cpu-simd",
                "2 cores", List.of());
    }

    private static ModelReport report() {
        List<LayerEntry> layers = List.of(entry(EVIL, 0.02, 0.01), entry("blocks.0.mlp.fc1.weight", 1e-3, 2e-4),
                entry("blocks.0.mlp.fc2.weight", 0.5, 0.6), entry("blocks.1.exact.weight", 1e-5, 0));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("method", "comq");
        settings.put("exclude", "<lm_head>");
        return ModelReport.of("comq-service 0.1.0", "models/tiny & <co>", settings, layers,
                new Drift(128L, 0.031, null, 0.97, null, null),
                List.of(new Artifact("model.safetensors", 1234, "ab".repeat(32))));
    }

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://xml.org/sax/features/external-general-entities", false);
        f.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
        f.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        f.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
        DocumentBuilder b = f.newDocumentBuilder();
        b.setErrorHandler(null);
        return b.parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> byClass(Document d, String ns, String tag, String cls) {
        NodeList all = d.getElementsByTagNameNS(ns, tag);
        List<Element> out = new ArrayList<>();
        for (int k = 0; k < all.getLength(); k++) {
            Element e = (Element) all.item(k);
            if (List.of(e.getAttribute("class").split(" ")).containsAll(List.of(cls.split(" ")))) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void namesAreEscaped() {
        String html = Reports.toHtml(report());
        assertFalse(html.toLowerCase(java.util.Locale.ROOT).contains("<script"), "no script element from a name");
        assertTrue(html.contains("attn&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;q&quot;.weight"));
        assertTrue(html.contains("models/tiny &amp; &lt;co&gt;"));
        assertTrue(html.contains("&lt;lm_head&gt;"));
    }

    @Test
    void pageParsesAsXmlAndIsSelfContained() throws Exception {
        String html = Reports.toHtml(report());
        Document d = parse(html);
        assertEquals("html", d.getDocumentElement().getLocalName());
        String xhtml = "http://www.w3.org/1999/xhtml";
        assertEquals(0, d.getElementsByTagNameNS(xhtml, "script").getLength());
        assertEquals(0, d.getElementsByTagNameNS(xhtml, "link").getLength());
        assertEquals(0, d.getElementsByTagNameNS(xhtml, "img").getLength());
        assertFalse(html.contains("src=") || html.contains("href=") || html.contains("url("), "no external asset");
        // the layer table has a row per layer (plus the header), with the escaped name as text
        Element table = byClass(d, xhtml, "table", "layers").get(0);
        assertEquals(5, table.getElementsByTagNameNS(xhtml, "tr").getLength());
        assertTrue(table.getTextContent().contains(EVIL), "the name reads back intact");
    }

    @Test
    void chartHasOneBarPairPerLayerOnALogScale() throws Exception {
        ModelReport r = report();
        Document d = parse(Reports.toHtml(r));
        String svg = "http://www.w3.org/2000/svg";
        assertEquals(1, d.getElementsByTagNameNS(svg, "svg").getLength());
        List<Element> rtn = byClass(d, svg, "rect", "bar rtn");
        List<Element> fin = byClass(d, svg, "rect", "bar final");
        assertEquals(r.layers().size(), rtn.size());
        assertEquals(r.layers().size(), fin.size());
        assertEquals(r.layers().size(), byClass(d, svg, "g", "layer").size());
        double[] w = new double[4];
        for (int k = 0; k < 4; k++) {
            w[k] = Double.parseDouble(fin.get(k).getAttribute("width"));
        }
        // errors 1e-2, 2e-4, 0.6, 0: log-scale widths keep the order, and an exact layer has an empty bar
        assertTrue(w[2] > w[0] && w[0] > w[1] && w[1] > 0, java.util.Arrays.toString(w));
        assertEquals(0, w[3]);
        // decades 1e-5 .. 1e0: 0.01 sits 3/5 of the way
        assertEquals(3.0 / 5 * ReportHtml.CHART_WIDTH, w[0], 0.1);
        assertTrue(Double.parseDouble(rtn.get(0).getAttribute("width")) > w[0], "RTN 0.02 is longer than final 0.01");
    }

    @Test
    void jsonRoundTripsWithSnakeCaseKeys() throws Exception {
        ModelReport r = report();
        List<Path> written = Reports.write(dir, r);
        assertEquals(List.of(dir.resolve("report.json"), dir.resolve("report.html")), written);
        String json = Files.readString(dir.resolve("report.json"));
        for (String key : List.of("\"rtn_rel_error\"", "\"created_at\"", "\"group_size\"", "\"time_ms\"",
                "\"output_rel_error\"", "\"top1_agreement\"", "\"better_than_rtn\"", "\"sha256\"")) {
            assertTrue(json.contains(key), key);
        }
        assertFalse(json.contains("perplexity"), "unmeasured drift figures are left out");
        assertEquals(r, Reports.read(dir.resolve("report.json")));
        assertEquals(Reports.toHtml(r), Files.readString(dir.resolve("report.html")));
        ModelReport noDrift = ModelReport.of("t", "m", Map.of(), List.of(entry("a", 1, 1)), null, null);
        assertFalse(new String(Reports.toJson(noDrift), StandardCharsets.UTF_8).contains("drift"));
        assertEquals(noDrift, Reports.read(Files.write(dir.resolve("r2.json"), Reports.toJson(noDrift))));
    }

    @Test
    void totalsSumTheLayers() {
        Totals t = report().totals();
        assertEquals(4, t.layers());
        assertEquals(4 * 64 * 32, t.parameters());
        assertEquals(50.0, t.timeMs(), 1e-12);
        assertEquals((0.02 + 1e-3 + 0.5 + 1e-5) / 4, t.meanRtnRelError(), 1e-15);
        assertEquals((0.01 + 2e-4 + 0.6) / 4, t.meanRelError(), 1e-15);
        assertEquals(3, t.betterThanRtn());
        assertEquals("blocks.0.mlp.fc2.weight", t.worstLayer());
        assertEquals(0.6, t.worstRelError());
    }

    @Test
    void entryFromARealLayerResult() {
        Random rnd = new Random(1);
        double[] w = new double[32 * 8];
        for (int k = 0; k < w.length; k++) {
            w[k] = rnd.nextGaussian();
        }
        double[] h = new double[32 * 32];
        for (int i = 0; i < 32; i++) {
            h[i * 33] = 1 + i;
        }
        LayerResult r;
        try (ScalarKernel k = new ScalarKernel(1)) {
            r = new LayerQuantizer(k).quantize(LayerProblem.of(new Matrix.F64(32, 8, w), new Matrix.F64(32, 32, h)),
                    LayerConfig.of(ComqConfig.of(GridSpec.defaults().withBits(3))), null);
        }
        LayerEntry e = LayerEntry.of("l.weight", "Linear", List.of(8, 32), r);
        assertEquals(3, e.bits());
        assertEquals("comq", e.method());
        assertEquals(3, e.sweeps());
        assertEquals(r.relError(), e.relError());
        assertEquals(r.rtnRelError(), e.rtnRelError());
        assertEquals(r.stats().nanos() / 1e6, e.timeMs());
        assertEquals(256, e.parameters());
    }

    @Test
    void artifactHashesTheFile() throws Exception {
        Path f = Files.writeString(Files.createDirectories(dir.resolve("sub")).resolve("a.txt"), "abc");
        Artifact a = Artifact.of(dir, f);
        assertEquals("sub/a.txt", a.path());
        assertEquals(3, a.bytes());
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", a.sha256());
    }
}
