package io.comq.pipeline;

import io.comq.error.InvalidConfigException;
import io.comq.error.InvalidModelException;
import io.comq.format.StagingDir;
import io.comq.format.gptq.GptqCheckpointWriter;
import io.comq.format.gptq.GptqFormat;
import io.comq.format.onnx.LayerSelection;
import io.comq.format.safetensors.GramDir;
import io.comq.format.safetensors.LinearLayer;
import io.comq.format.safetensors.LinearLayers;
import io.comq.format.safetensors.SafetensorsCheckpoint;
import io.comq.kernel.QuantKernel;
import io.comq.layer.LayerConfig;
import io.comq.layer.LayerQuantizer;
import io.comq.layer.LayerResult;
import io.comq.option.Setting;
import io.comq.quant.LayerProblem;
import io.comq.quant.ProgressListener;
import io.comq.quant.Step;
import io.comq.report.Artifact;
import io.comq.report.LayerEntry;
import io.comq.report.ModelReport;
import io.comq.report.Reports;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A safetensors checkpoint quantized from precomputed Gram matrices ({@code --format safetensors}): every linear layer
 * the selection keeps, written as a GPTQ checkpoint with its report into a folder that appears atomically.
 */
final class SafetensorsRun {
    private SafetensorsRun() {
    }

    static ModelReport run(ModelJob job, ProgressListener progress, QuantKernel kernel) {
        SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(job.model());
        LayerSelection sel = job.selection();
        List<LinearLayer> layers = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        for (LinearLayer l : LinearLayers.find(ck)) {
            known.add(l.tensor());
            known.add(l.prefix());
            if (!excluded(sel, l)) {
                layers.add(l);
            }
        }
        if (known.isEmpty()) {
            throw new InvalidModelException(job.model() + ": no quantizable layer found: no 2-D float '.weight' "
                    + "tensor outside embeddings, norms and lm_head");
        }
        for (String k : sel.bitOverrides().keySet()) {
            if (!known.contains(k)) {
                throw new InvalidConfigException("bit override '" + k + "' names no linear layer of the checkpoint");
            }
        }
        if (layers.isEmpty()) {
            throw new InvalidConfigException("the layer selection (exclude " + sel.exclude() + ") leaves none of the "
                    + "checkpoint's " + known.size() / 2 + " linear layers");
        }
        GramDir grams = GramDir.open(job.gramDir());
        Map<LinearLayer, LayerConfig> configs = new HashMap<>();
        for (LinearLayer l : layers) {
            if (!grams.has(l.tensor())) {
                throw new InvalidConfigException(Setting.GRAM_DIR.ref() + " " + job.gramDir()
                        + " has no Gram matrix for layer \""
                        + l.tensor() + "\"; add it or exclude the layer");
            }
            Integer b = sel.bitOverrides().get(l.tensor());
            b = b == null ? sel.bitOverrides().get(l.prefix()) : b;
            LayerConfig c = RunSettings.configFor(job, b == null ? RunSettings.bits(job) : b);
            RunSettings.checkGroups(c, l.tensor(), l.in());
            configs.put(l, c);
        }
        try (StagingDir stage = StagingDir.open(job.out(), job.force())) {
            LayerQuantizer quantizer = new LayerQuantizer(kernel);
            Map<String, LayerResult> results = new LinkedHashMap<>();
            List<LayerEntry> entries = new ArrayList<>();
            for (LinearLayer l : layers) {
                LayerProblem problem = new LayerProblem(l.weight(ck), grams.gram(l), null, 0);
                LayerResult r = quantizer.quantize(problem, configs.get(l), progress);
                results.put(l.tensor(), r);
                entries.add(LayerEntry.of(l.tensor(), "Linear", List.of(l.out(), l.in()), r));
                progress.progress(Step.of(Step.Kind.LAYER_QUANTIZED, l.tensor(), results.size(), layers.size()));
            }
            GptqCheckpointWriter.Written written = GptqCheckpointWriter.write(ck, results, stage.path(),
                    GptqFormat.GPTQ);
            List<Artifact> artifacts = new ArrayList<>();
            for (Path f : written.files()) {
                artifacts.add(Artifact.of(stage.path(), stage.path().resolve(f)));
            }
            ModelReport report = ModelReport.of(ModelQuantizer.TOOL, job.model().toString(),
                    RunSettings.of(job, null, 0, null), entries,
                    null, artifacts);
            Reports.write(stage.path(), report);
            stage.commit(job.force());
            return report;
        }
    }

    private static boolean excluded(LayerSelection sel, LinearLayer l) {
        for (String r : sel.exclude()) {
            Pattern p = Pattern.compile(r);
            if (p.matcher(l.tensor()).find()) {
                return true;
            }
        }
        return false;
    }
}
