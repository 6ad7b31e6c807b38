using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Serialization;
using ShipmentGrid.Billing;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.Journal;
using ShipmentGrid.Shipments;

// Load tool for the durable write path: many shipments appending one event each at the same time, as carrier
// traffic does. Measures, in one run against one server, the project's group-commit journal and the baseline it
// replaces: one INSERT and one commit per append. Usage:
//   dotnet run -c Release --project tools/JournalLoad -- "<connection string>" [appends=20000] [concurrency=256]
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: JournalLoad <connection string> [appends] [concurrency]");
    return 2;
}

var appends = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20_000;
var concurrency = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 256;
var settings = new PostgresSettings(args[0], "journal_load");
await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);

await using var services = new ServiceCollection()
    .AddSerializer(serializer => serializer.AddAssembly(typeof(ShipmentBooked).Assembly))
    .BuildServiceProvider();
var serializer = services.GetRequiredService<Serializer>();
await using var dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
await using (var truncate = dataSource.CreateCommand("TRUNCATE event_journal"))
{
    await truncate.ExecuteNonQueryAsync();
}

var sample = new ChargeRecorded("evt", "SHP", DateTimeOffset.UtcNow, new Charge("C-1", ChargeType.Linehaul, new Money(1200m, "USD"), ChargeSource.Rating, "RATE-1"));

var baseline = await MeasureAsync("baseline", async (stream, ct) =>
{
    // What per-event state writes cost: a round trip and a commit for every single append.
    await using var command = dataSource.CreateCommand(
        "INSERT INTO event_journal (stream_id, version, event_type, payload) VALUES ($1, 1, $2, $3)");
    command.Parameters.Add(new NpgsqlParameter { Value = stream });
    command.Parameters.Add(new NpgsqlParameter { Value = nameof(ChargeRecorded) });
    command.Parameters.Add(new NpgsqlParameter { Value = serializer.SerializeToArray<IShipmentEvent>(sample) });
    await command.ExecuteNonQueryAsync(ct);
});

var journal = new PostgresEventJournal(
    dataSource, serializer, new PostgresReadModels(dataSource, serializer), Options.Create(new JournalOptions()), new JournalWriterName("journal-load"), NullLogger<PostgresEventJournal>.Instance);
await journal.StartAsync(CancellationToken.None);
var grouped = await MeasureAsync("group-commit", async (stream, ct) =>
{
    if (!await journal.AppendAsync<IShipmentEvent>(stream, 0, [sample], ct))
    {
        throw new InvalidOperationException($"append to {stream} conflicted");
    }
});
await journal.StopAsync(CancellationToken.None);

Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"appends={appends} concurrency={concurrency} baseline={baseline:F0}/s group-commit={grouped:F0}/s ratio={grouped / baseline:F1}x"));
return 0;

async Task<double> MeasureAsync(string name, Func<string, CancellationToken, Task> append)
{
    var next = -1;
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
    {
        for (var i = Interlocked.Increment(ref next); i < appends; i = Interlocked.Increment(ref next))
        {
            await append($"{name}/shipment-{i}", CancellationToken.None);
        }
    }));
    var rate = appends / clock.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {appends} appends in {clock.Elapsed.TotalSeconds:F2} s = {rate:F0} appends/s"));
    return rate;
}
