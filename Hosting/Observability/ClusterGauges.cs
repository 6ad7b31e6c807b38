using System.Collections.Immutable;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ShipmentGrid.Observability;
using ShipmentGrid.Operations;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Hosting.Observability;

/// <summary>
/// The cluster-wide gauges (open exceptions by queue and age, the oldest open item's age, invoices on credit hold), read
/// from the read models by the API process only, so every silo does not export the same figure again. Refreshed on
/// <c>Metrics:ClusterGaugeInterval</c> (30 s by default) in the background: a scrape never waits for PostgreSQL.
/// </summary>
public sealed partial class ClusterGauges : BackgroundService
{
    public const string IntervalKey = "Metrics:ClusterGaugeInterval";

    private static readonly (string Age, Func<OpenExceptionAges, long> Count)[] Bands =
    [
        ("under_1h", ages => ages.UnderAnHour),
        ("1h_to_1d", ages => ages.UnderADay),
        ("1d_to_7d", ages => ages.UnderAWeek),
        ("over_7d", ages => ages.Older),
    ];

    private readonly IReadModels readModels;
    private readonly TimeProvider clock;
    private readonly ILogger<ClusterGauges> logger;
    private readonly TimeSpan interval;
    private volatile Snapshot? latest;

    public ClusterGauges(IReadModels readModels, GridMetrics metrics, TimeProvider clock, IConfiguration configuration, ILogger<ClusterGauges> logger)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentNullException.ThrowIfNull(configuration);
        this.readModels = readModels;
        this.clock = clock;
        this.logger = logger;
        interval = configuration.GetValue(IntervalKey, TimeSpan.FromSeconds(30));
        metrics.Meter.CreateObservableGauge(
            "shipment_grid.exceptions.open",
            () => Measure(snapshot => snapshot.Ages.SelectMany(ages => Bands.Select(band => new Measurement<long>(
                band.Count(ages), Queue(ages.Queue), new KeyValuePair<string, object?>(GridMetrics.AgeAttribute, band.Age))))),
            "{exception}",
            "Open exception items, per queue and age band (under_1h, 1h_to_1d, 1d_to_7d, over_7d); exported by the API only.");
        metrics.Meter.CreateObservableGauge(
            "shipment_grid.exceptions.oldest_open_age",
            () => Measure(snapshot => snapshot.Ages.Select(ages => new Measurement<double>(
                ages.Total == 0 ? 0 : Math.Max(0, (snapshot.At - ages.OldestOpenedAt).TotalSeconds), Queue(ages.Queue)))),
            "s",
            "Age of the oldest open exception item per queue (0 when the queue is empty); exported by the API only.");
        metrics.Meter.CreateObservableGauge(
            "shipment_grid.invoices.on_hold",
            () => Measure(snapshot => snapshot.Ages.Where(ages => ages.Queue == ExceptionQueue.CreditHold).Select(ages => new Measurement<long>(ages.Total))),
            "{invoice}",
            "Invoices held on credit now (open credit-hold items); exported by the API only.");
    }

    /// <summary>Reads the figures once; the background loop calls it on the interval, a test may call it at once.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var open = await readModels.CountOpenExceptionsAsync(now, cancellationToken);
        latest = new Snapshot(
            now,
            [.. Enum.GetValues<ExceptionQueue>().Select(queue => open.FirstOrDefault(ages => ages.Queue == queue) ?? new OpenExceptionAges(queue, 0, 0, 0, 0, now))]);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, clock);
        do
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The gauges keep their last figures; the next tick tries again.
                LogRefreshFailed(logger, exception);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private IEnumerable<Measurement<T>> Measure<T>(Func<Snapshot, IEnumerable<Measurement<T>>> measure)
        where T : struct =>
        latest is { } snapshot ? measure(snapshot) : [];

    private static KeyValuePair<string, object?> Queue(ExceptionQueue queue) => new(GridMetrics.QueueAttribute, GridMetrics.QueueName(queue));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster gauges could not be refreshed; they keep their last figures")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);

    private sealed record Snapshot(DateTimeOffset At, ImmutableArray<OpenExceptionAges> Ages);
}
