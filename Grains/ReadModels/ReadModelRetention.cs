using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.ReadModels;

/// <summary>The <c>ReadModels</c> configuration section: how often retention runs and how long each kind of row is kept.</summary>
public sealed class ReadModelRetentionOptions
{
    public const string Section = "ReadModels";

    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    public int ResolvedExceptionDays { get; set; } = 30;

    public int ResolvedCaseDays { get; set; } = 90;

    public int NotificationDays { get; set; } = 30;

    public int ReplayedDeadLetterDays { get; set; } = 30;

    public int QueuedEventOutcomeDays { get; set; } = 7;

    public int KpiBucketDays { get; set; } = 400;

    public void Validate()
    {
        if (RetentionInterval <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:RetentionInterval must be positive.");
        }

        if (Math.Min(Math.Min(ResolvedExceptionDays, ResolvedCaseDays), Math.Min(Math.Min(NotificationDays, ReplayedDeadLetterDays), Math.Min(QueuedEventOutcomeDays, KpiBucketDays))) < 1)
        {
            throw new InvalidOperationException($"{Section}: every number of days kept must be at least 1.");
        }
    }

    /// <summary>What is older than its kept days at <paramref name="now"/>; KPI buckets by whole UTC days.</summary>
    public RetentionCutoffs CutoffsAt(DateTimeOffset now) => new(
        now.AddDays(-ResolvedExceptionDays),
        now.AddDays(-ResolvedCaseDays),
        now.AddDays(-NotificationDays),
        now.AddDays(-ReplayedDeadLetterDays),
        now.AddDays(-QueuedEventOutcomeDays),
        KpiBucket.DayOf(now).AddDays(-KpiBucketDays));
}

/// <summary>
/// Removes what the read models no longer keep, once at start and then every <see cref="ReadModelRetentionOptions.RetentionInterval"/>.
/// Every silo runs it: purges delete in bounded batches and concurrent ones only find less to delete.
/// </summary>
public sealed class ReadModelRetention(
    IReadModels readModels, IOptions<ReadModelRetentionOptions> options, TimeProvider clock, ILogger<ReadModelRetention> logger)
    : PeriodicPurge(clock, logger)
{
    protected override string What => "Read-model";

    protected override TimeSpan Interval => options.Value.RetentionInterval;

    protected override Task<long> PurgeAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        readModels.PurgeAsync(options.Value.CutoffsAt(now), cancellationToken);
}

public static class ReadModelServiceCollectionExtensions
{
    /// <summary>A silo's retention of the read models, with its options from the <c>ReadModels</c> section, validated at start.</summary>
    public static IServiceCollection AddReadModelRetention(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ReadModelRetentionOptions>()
            .Bind(configuration.GetSection(ReadModelRetentionOptions.Section))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        services.AddHostedService<ReadModelRetention>();
        return services;
    }
}
