package io.comq.job;

import io.micronaut.context.annotation.Secondary;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The default {@link JobNotifier}: a log line. A webhook sender replaces it by being a {@code JobNotifier} bean. */
@Singleton
@Secondary
public class LoggingJobNotifier implements JobNotifier {
    private static final Logger LOG = LoggerFactory.getLogger(LoggingJobNotifier.class);

    @Override
    public void jobFinished(JobSummary s) {
        LOG.info("job {} {} ({}/{} layers)", s.jobId(), s.state().id(), s.layersDone(), s.layersTotal());
    }
}
