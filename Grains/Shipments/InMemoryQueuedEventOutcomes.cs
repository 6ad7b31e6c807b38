using System.Collections.Concurrent;

namespace ShipmentGrid.Shipments;

/// <summary>The embedded default: outcomes of queued events for as long as the process lives.</summary>
public sealed class InMemoryQueuedEventOutcomes : IQueuedEventOutcomes
{
    private readonly ConcurrentDictionary<(string CarrierId, string EventId), QueuedEventOutcome> outcomes = new();

    public Task RecordAsync(IReadOnlyList<QueuedEventOutcome> outcomes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var outcome in outcomes)
        {
            this.outcomes.AddOrUpdate(
                (outcome.CarrierId, outcome.EventId),
                outcome,
                (_, existing) => QueuedEventOutcomeRules.Replaces(outcome, existing) ? outcome : existing);
        }

        return Task.CompletedTask;
    }

    public Task<QueuedEventOutcome?> FindAsync(string carrierId, string eventId, CancellationToken cancellationToken) =>
        Task.FromResult(outcomes.TryGetValue((carrierId, eventId), out var outcome) ? outcome : null);
}
