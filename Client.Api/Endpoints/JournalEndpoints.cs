using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>The journal's readers as operations sees them: how far behind each partition is.</summary>
internal static class JournalEndpoints
{
    public static RouteGroupBuilder MapJournal(this RouteGroupBuilder api)
    {
        api.MapGet("/journal/lag", GetLagAsync)
            .RequireAuthorization(AccessPolicies.Staff)
            .WithTags("Operations")
            .WithName("GetJournalLag")
            .WithSummary("Reader lag per journal partition: committed events not yet followed (counted up to a cap), the age of the oldest "
                + "in seconds, and events dead-lettered by their followers.");
        return api;
    }

    private static async Task<Ok<JournalLagReport>> GetLagAsync(IGrainFactory grains, IOptions<JournalOptions> options)
    {
        var partitions = await Task.WhenAll(Enumerable.Range(0, options.Value.Partitions)
            .Select(partition => grains.GetGrain<IJournalReaderGrain>(partition).GetLag()));
        return TypedResults.Ok(new JournalLagReport(
            partitions.Sum(lag => lag.Events),
            partitions.Max(lag => lag.Seconds),
            partitions.Sum(lag => lag.DeadLetters),
            [.. partitions]));
    }
}

/// <summary>Reader lag over every partition (the totals) and per partition.</summary>
internal sealed record JournalLagReport(long Events, double Seconds, long DeadLetters, ImmutableArray<JournalLag> Partitions);
