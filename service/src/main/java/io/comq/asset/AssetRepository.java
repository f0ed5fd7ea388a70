package io.comq.asset;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.util.Optional;

/** Stored uploads; every lookup names the tenant, so one tenant never sees another's. */
@JdbcRepository(dialect = Dialect.H2)
public interface AssetRepository extends CrudRepository<Asset, String> {

    Optional<Asset> findByIdAndTenantAndKind(String id, String tenant, AssetKind kind);

    Optional<Asset> findByTenantAndKindAndSha256(String tenant, AssetKind kind, String sha256);
}
