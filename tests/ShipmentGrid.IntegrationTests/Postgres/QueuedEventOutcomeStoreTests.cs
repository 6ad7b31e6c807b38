using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Postgres;

/// <summary>The PostgreSQL store of queued events' outcomes applies the same precedence as the rule, in one statement per batch.</summary>
[Collection(SharedPostgres.Name)]
public sealed class QueuedEventOutcomeStoreTests(PostgresServer server) : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private NpgsqlDataSource dataSource = null!;
    private PostgresQueuedEventOutcomes outcomes = null!;

    public async Task InitializeAsync()
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("outcomes"), "grid_outcomes");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        outcomes = new PostgresQueuedEventOutcomes(dataSource);
    }

    public async Task DisposeAsync() => await dataSource.DisposeAsync();

    [Fact]
    public async Task Copies_of_an_event_decided_in_any_order_leave_the_best_outcome_and_a_batch_may_name_an_event_twice()
    {
        await RecordAsync(("E-1", QueuedEventStatus.Queued));
        await RecordAsync(("E-1", QueuedEventStatus.Rejected), ("E-2", QueuedEventStatus.Queued), ("E-1", QueuedEventStatus.Queued));
        await RecordAsync(("E-1", QueuedEventStatus.Accepted), ("E-2", QueuedEventStatus.Rejected));
        await RecordAsync(("E-1", QueuedEventStatus.Rejected), ("E-2", QueuedEventStatus.Queued), ("E-1", QueuedEventStatus.Queued));

        Assert.Equal(QueuedEventStatus.Accepted, (await outcomes.FindAsync("CARR-1", "E-1", CancellationToken.None))?.Status);
        var rejected = await outcomes.FindAsync("CARR-1", "E-2", CancellationToken.None);
        Assert.Equal((QueuedEventStatus.Rejected, "E-2 failed"), (rejected?.Status, rejected?.Reason));
        Assert.Null(await outcomes.FindAsync("CARR-1", "E-3", CancellationToken.None));
    }

    private Task RecordAsync(params (string EventId, QueuedEventStatus Status)[] told) =>
        outcomes.RecordAsync(
            [.. told.Select(entry => new QueuedEventOutcome(
                "CARR-1", entry.EventId, "S-1", entry.Status, entry.Status == QueuedEventStatus.Rejected ? $"{entry.EventId} failed" : null, At))],
            CancellationToken.None);
}
