package io.comq.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.comq.job.JobNotifier;
import io.comq.job.JobSummary;
import jakarta.inject.Singleton;
import java.net.URI;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts a finished job's summary to its webhook URL through {@link WebhookSender}; returns at once, so the job worker
 * never waits for the receiver. The body is the summary as JSON (without the URL itself) with
 * {@code "event": "job.finished"} and the job's {@code href}.
 */
@Singleton
public class WebhookNotifier implements JobNotifier {
    /** The {@code event} of every delivery so far. */
    public static final String EVENT = "job.finished";
    private static final Logger LOG = LoggerFactory.getLogger(WebhookNotifier.class);

    private final WebhookSender sender;
    private final ObjectMapper json;

    public WebhookNotifier(WebhookSender sender, ObjectMapper json) {
        this.sender = sender;
        this.json = json;
    }

    @Override
    public void jobFinished(JobSummary s) {
        LOG.info("job {} {} ({}/{} layers)", s.jobId(), s.state().id(), s.layersDone(), s.layersTotal());
        if (s.webhookUrl() == null) {
            return;
        }
        try {
            sender.send(s.jobId(), URI.create(s.webhookUrl()), body(s));
        } catch (IllegalArgumentException | JsonProcessingException e) {
            LOG.warn("webhook for job {} not sent: {}", s.jobId(), e.getMessage());
        }
    }

    /** The delivery body for {@code s}. */
    byte[] body(JobSummary s) throws JsonProcessingException {
        ObjectNode node = json.createObjectNode();
        node.put("event", EVENT);
        node.setAll((ObjectNode) json.valueToTree(s));
        node.remove("webhookUrl");
        node.put("href", "/v1/jobs/" + s.jobId());
        return json.writeValueAsBytes(node);
    }
}
