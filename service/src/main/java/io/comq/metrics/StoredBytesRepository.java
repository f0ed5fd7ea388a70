package io.comq.metrics;

import io.comq.asset.Asset;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

/** Sums of stored upload sizes, for the bytes-stored gauge. */
@JdbcRepository(dialect = Dialect.H2)
interface StoredBytesRepository extends GenericRepository<Asset, String> {

    /** Bytes of all uploads of one kind ({@code MODEL}, {@code CALIBRATION_SET}), all tenants. */
    @Query("SELECT COALESCE(SUM(size_bytes), 0) FROM assets WHERE kind = :kind")
    long sumSizeByKind(String kind);
}
