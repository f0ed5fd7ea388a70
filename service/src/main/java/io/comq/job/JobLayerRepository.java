package io.comq.job;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.List;

/** The layers jobs have finished. */
@JdbcRepository(dialect = Dialect.H2)
public interface JobLayerRepository extends CrudRepository<JobLayer, String> {

    List<JobLayer> findByJobIdOrderBySeq(String jobId);

    void deleteByJobId(String jobId);
}
