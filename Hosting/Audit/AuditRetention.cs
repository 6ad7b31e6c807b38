using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Audit;

/// <summary>
/// Removes audit entries older than <see cref="AuditOptions.RetentionDays"/>, at start and then every
/// <see cref="AuditOptions.RetentionInterval"/>: the one removal the append-only log allows. Every API process runs it;
/// the purge deletes in bounded batches, and concurrent ones only find less to delete.
/// </summary>
public sealed class AuditRetention(IAuditLog log, IOptions<AuditOptions> options, TimeProvider clock, ILogger<AuditRetention> logger)
    : PeriodicPurge(clock, logger)
{
    protected override string What => "Audit";

    protected override TimeSpan Interval => options.Value.RetentionInterval;

    protected override Task<long> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        log.PurgeAsync(now.AddDays(-options.Value.RetentionDays), cancellationToken);
}
