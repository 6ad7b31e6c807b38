using System.Diagnostics;
using ShipmentGrid.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// SIGTERM stops a Silo and the API within 15 s even when PostgreSQL went away first. The test stops its own
/// PostgreSQL server, so it does not share the collection's.
/// </summary>
public sealed class ShutdownProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(15);

    private readonly PostgresServer postgres = PostgresServer.Dedicated();

    public Task InitializeAsync() => postgres.InitializeAsync();

    public Task DisposeAsync() => postgres.DisposeAsync();

    [Fact]
    public async Task Silo_and_api_exit_within_15_seconds_of_SIGTERM_while_PostgreSQL_is_down()
    {
        var cluster = await ClusterNode.MigrateAsync(await postgres.CreateDatabaseAsync("shutdown"));
        await using var silo = await cluster.StartSiloAsync("silo");
        await using var api = await cluster.StartApiAsync();

        await postgres.StopServerAsync();
        var sinceStop = Stopwatch.StartNew();
        await silo.TerminateAsync();
        await api.TerminateAsync();

        await Eventually.Holds(() => Task.FromResult(silo.HasExited && api.HasExited), StopBound, "silo and API exited after SIGTERM");
        output.WriteLine($"silo and API exited {sinceStop.Elapsed.TotalSeconds:F1} s after SIGTERM with PostgreSQL down");
    }
}
