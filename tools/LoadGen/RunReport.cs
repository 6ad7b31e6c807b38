using System.Text.Json;
using System.Text.Json.Serialization;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>What a run did and found: written as text to standard output and as JSON beside the chart.</summary>
internal sealed record RunReport(
    string Run,
    string Api,
    RunSettings Settings,
    WorkloadSummary Workload,
    Throughput Throughput,
    IReadOnlyList<RoundSummary> Rounds,
    IReadOnlyList<LatencySummary> Latencies,
    IReadOnlyDictionary<string, long> Errors,
    Verification Verification,
    IReadOnlyList<SecondSummary> Timeline)
{
    /// <summary>How many differences the text report lists; the JSON report holds up to <see cref="Verification.Listed"/>.</summary>
    private const int DifferencesShown = 50;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Errors that are not retries: a write refused, unanswered, or an event or charge rejected.</summary>
    public long Failures => Errors.Where(error => !error.Key.EndsWith("(sent again)", StringComparison.Ordinal)).Sum(error => error.Value);

    /// <summary>0 when every write was acknowledged and the verification found no difference, 1 otherwise.</summary>
    public int ExitCode => Verification.Passed && Failures == 0 ? 0 : 1;

    public async Task WriteJsonAsync(string path)
    {
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, this, Json);
    }

    public void WriteText(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"# LoadGen run {Run} against {Api}");
        output.WriteLine();
        output.WriteLine($"workload: {Settings.Shipments:N0} shipments of {Settings.Customers:N0} customers with {Settings.Carriers:N0} carriers over {string.Join(", ", Settings.Routes).ToLowerInvariant()}; "
            + $"{Settings.Concurrency} requests in flight, {Settings.Batch} events a request, {(Settings.Rate is { } rate ? $"paced at {rate:N0} writes/s" : "flat out")}, up to {Settings.Until}, "
            + $"{Settings.Cohorts} cohort{(Settings.Cohorts == 1 ? string.Empty : "s")}");
        output.WriteLine($"largest carrier: {Workload.LargestCarrier} sent {Workload.LargestCarrierShare:P1} of the events");
        output.WriteLine(Settings.Anomalies
            ? $"anomalies: {Workload.DeliveryExceptions:N0} delivery exceptions, {Workload.LateEvents:N0} late events, {Workload.ResentBatches:N0} resent batches, "
                + $"{Workload.ResentCharges:N0} resent charges, {Workload.MissingFuel:N0} shipments without fuel surcharge, {Workload.FuelAfterProof:N0} with it after proof of delivery, "
                + $"{Workload.CustomersHeld:N0} customers held ({Workload.CustomersHeldToEnd:N0} to the end)"
            : "anomalies: off (each lifecycle in order, once)");
        output.WriteLine();
        output.WriteLine("## Throughput");
        output.WriteLine($"writes acknowledged for {Throughput.SendingSeconds:F1} s: {Throughput.Events:N0} events{(Throughput.Events > Throughput.DistinctEvents ? $" ({Throughput.DistinctEvents:N0} distinct, the rest resent)" : string.Empty)} = {Throughput.EventsPerSecond:N0}/s ({string.Join(", ", Throughput.EventsByRoute.Select(route => $"{route.Key.ToString().ToLowerInvariant()} {route.Value:N0}"))}); "
            + $"{Throughput.Writes:N0} writes in all = {Throughput.Writes / Math.Max(Throughput.SendingSeconds, 0.001):N0}/s");
        output.WriteLine($"largest journal lag while sending: {Throughput.LargestLag:N0} events; journal drained {(Throughput.DrainedSeconds is { } drained ? $"{drained:F1} s after the last acknowledged write" : "never within the settle time")}; "
            + $"verification took {Verification.Seconds:F1} s");
        output.WriteLine();
        output.WriteLine("## Rounds (each sent once the one before was acknowledged)");
        output.WriteLine("| round | bookings | charges | events | seconds | writes/s | events/s | largest journal lag |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var round in Rounds)
        {
            output.WriteLine($"| {round.Round} | {round.Bookings:N0} | {round.Charges:N0} | {round.Events:N0} | {round.Seconds:F1} | {round.WritesPerSecond:N0} | {round.EventsPerSecond:N0} | {(round.LargestLag is { } lag ? lag.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) : "-")} |");
        }

        output.WriteLine();
        output.WriteLine("## Latency (ms; from the first send to the acknowledgement, retries included)");
        output.WriteLine("| operation | count | p50 | p90 | p99 | p99.9 | max |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var latency in Latencies)
        {
            output.WriteLine($"| {latency.Operation} | {latency.Count:N0} | {latency.P50:N1} | {latency.P90:N1} | {latency.P99:N1} | {latency.P999:N1} | {latency.Max:N1} |");
        }

        output.WriteLine();
        output.WriteLine("## Errors");
        if (Errors.Count == 0)
        {
            output.WriteLine("none");
        }

        foreach (var error in Errors.OrderByDescending(error => error.Value).ThenBy(error => error.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"- {error.Key}: {error.Value:N0}");
        }

        output.WriteLine();
        output.WriteLine("## Verification");
        output.WriteLine($"{(Verification.Passed ? "PASSED" : "FAILED")}: {Verification.Shipments:N0} shipments, {Verification.Events:N0} acknowledged events, "
            + $"{Verification.InvoicesPosted:N0} invoices posted and {Verification.InvoicesHeld:N0} on hold; ERP ledger {(Verification.LedgerChecked ? "checked" : "not checked (no --postgres)")}"
            + (Verification.Uncertain > 0 ? $"; {Verification.Uncertain:N0} shipments with an unanswered request judged only for what is missing" : string.Empty));
        if (!Verification.Passed)
        {
            output.WriteLine($"{Verification.DifferenceCount:N0} differences{(Verification.DifferenceCount > DifferencesShown ? $", the first {DifferencesShown}" : string.Empty)}:");
            foreach (var difference in Verification.Differences.Take(DifferencesShown))
            {
                output.WriteLine($"- {difference}");
            }
        }

        output.WriteLine();
        output.WriteLine($"exit code {ExitCode}{(Failures > 0 ? $": {Failures:N0} writes or items not acknowledged" : string.Empty)}");
    }
}

internal sealed record RunSettings(
    int Shipments, int Customers, int Carriers, IReadOnlyList<EventRoute> Routes, int Concurrency, int Batch, double? Rate, bool Anomalies, Milestone Until, int Cohorts);

internal sealed record WorkloadSummary(
    string LargestCarrier,
    double LargestCarrierShare,
    int DeliveryExceptions,
    int LateEvents,
    int ResentBatches,
    int ResentCharges,
    int MissingFuel,
    int FuelAfterProof,
    int CustomersHeld,
    int CustomersHeldToEnd);

/// <summary>Sending figures; <see cref="SendingEndedAt"/> is when the last write was acknowledged, in seconds since the run began.</summary>
internal sealed record Throughput(
    double SendingSeconds,
    double SendingEndedAt,
    long Events,
    int DistinctEvents,
    double EventsPerSecond,
    IReadOnlyDictionary<EventRoute, long> EventsByRoute,
    long Writes,
    long LargestLag,
    double? DrainedSeconds);
