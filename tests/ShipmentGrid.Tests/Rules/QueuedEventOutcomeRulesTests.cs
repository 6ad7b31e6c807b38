using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

/// <summary>Copies of one queued event decided in any order leave the best outcome: applied beats rejected beats queued.</summary>
public sealed class QueuedEventOutcomeRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(new[] { QueuedEventStatus.Queued, QueuedEventStatus.Accepted, QueuedEventStatus.Rejected }, QueuedEventStatus.Accepted)]
    [InlineData(new[] { QueuedEventStatus.Accepted, QueuedEventStatus.Queued }, QueuedEventStatus.Accepted)]
    [InlineData(new[] { QueuedEventStatus.Queued, QueuedEventStatus.Rejected, QueuedEventStatus.Accepted }, QueuedEventStatus.Accepted)]
    [InlineData(new[] { QueuedEventStatus.Queued, QueuedEventStatus.Rejected }, QueuedEventStatus.Rejected)]
    public async Task The_outcome_only_moves_up_whatever_order_copies_are_decided_in(QueuedEventStatus[] told, QueuedEventStatus expected)
    {
        ArgumentNullException.ThrowIfNull(told);
        var outcomes = new InMemoryQueuedEventOutcomes();
        foreach (var status in told)
        {
            await outcomes.RecordAsync([new QueuedEventOutcome("CARR-1", "E-1", "S-1", status, null, At)], CancellationToken.None);
        }

        Assert.Equal(expected, (await outcomes.FindAsync("CARR-1", "E-1", CancellationToken.None))?.Status);
    }
}
