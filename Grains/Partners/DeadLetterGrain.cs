using System.Collections.Immutable;
using ShipmentGrid.Kpis;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

public sealed class DeadLetterGrain(
    [PersistentState("dead-letters", GridProviders.Storage)] IPersistentState<DeadLetterState> letters,
    TimeProvider clock) : Grain, IDeadLetterGrain
{
    public async Task Add(CarrierEvent carrierEvent, string reason)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        var now = clock.GetUtcNow();
        letters.State.Letters = letters.State.Letters.TryGetValue(carrierEvent.EventId, out var existing)
            ? letters.State.Letters.SetItem(carrierEvent.EventId, existing with { Reason = reason, Status = DeadLetterStatus.Open })
            : letters.State.Letters.Add(carrierEvent.EventId, new DeadLetter(carrierEvent, reason, now, DeadLetterStatus.Open, 0, null));
        await letters.WriteStateAsync();
        // The cause is the event as of its latest replay: the same event told again leaves a resolved item resolved, a failed replay reopens it.
        var cause = $"{carrierEvent.EventId}/replay-{letters.State.Letters[carrierEvent.EventId].ReplayAttempts}";
        await DeadLetterQueue.Open(ExceptionRouting.Open(ExceptionQueue.DeadLetter, SubjectOf(carrierEvent), reason, now, cause));

        // Told on every add, not only the first: the scorecard counts an event id once, and a retried add still reaches it.
        await GrainFactory.GetGrain<IPartnerKpiGrain>(this.GetPrimaryKeyString()).RecordDeadLetter(carrierEvent.EventId);
    }

    /// <summary>How a dead letter is named in the operations queue; the exceptions API routes a retry back by it.</summary>
    public static string SubjectOf(CarrierEvent carrierEvent)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        return $"carrier/{carrierEvent.CarrierId}/event/{carrierEvent.EventId}";
    }

    private IExceptionQueueGrain DeadLetterQueue =>
        GrainFactory.GetGrain<IExceptionQueueGrain>(ExceptionRouting.QueueName(ExceptionQueue.DeadLetter));

    public Task<ImmutableArray<DeadLetter>> List() =>
        Task.FromResult(letters.State.Letters.Values.OrderBy(letter => letter.DeadLetteredAt).ToImmutableArray());

    public async Task<DeadLetter?> Replay(string eventId)
    {
        if (!letters.State.Letters.TryGetValue(eventId, out var letter))
        {
            return null;
        }

        // A replay that fails again comes back through Add with the new reason; count the attempt either way.
        letters.State.Letters = letters.State.Letters.SetItem(eventId, letter with { ReplayAttempts = letter.ReplayAttempts + 1 });
        await letters.WriteStateAsync();
        var shipment = GrainFactory.GetGrain<IShipmentGrain>(letter.CarrierEvent.ShipmentId);
        var outcome = (await shipment.RecordCarrierEvents([letter.CarrierEvent with { ReceivedAt = clock.GetUtcNow() }]))[0];
        if (outcome.Outcome != CommandOutcome.Rejected)
        {
            letter = letters.State.Letters[eventId];
            letters.State.Letters = letters.State.Letters.SetItem(
                eventId, letter with { Status = DeadLetterStatus.Replayed, ReplayedAt = clock.GetUtcNow() });
            await letters.WriteStateAsync();
            await DeadLetterQueue.Resolve(
                ExceptionRouting.ExceptionIdOf(ExceptionQueue.DeadLetter, SubjectOf(letter.CarrierEvent)), $"Replayed: {outcome.Outcome}.");
        }

        return letters.State.Letters[eventId];
    }
}

[GenerateSerializer, Alias("sg.dead-letter-state.v1")]
public sealed class DeadLetterState
{
    [Id(0)]
    public ImmutableSortedDictionary<string, DeadLetter> Letters { get; set; } =
        ImmutableSortedDictionary.Create<string, DeadLetter>(StringComparer.Ordinal);
}
