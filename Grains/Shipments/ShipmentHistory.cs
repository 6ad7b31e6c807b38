using System.Collections.Immutable;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Shipments;

/// <summary>Rebuilds a shipment from its history: state is a left fold of <see cref="Apply"/>.</summary>
public static class ShipmentHistory
{
    /// <summary>Timeline order: occurred-at, then carrier and event id so that ties never depend on arrival.</summary>
    public static IComparer<CarrierEvent> TimelineOrder { get; } = Comparer<CarrierEvent>.Create(CompareTimeline);

    public static ShipmentState Replay(IEnumerable<IShipmentEvent> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return history.Aggregate(ShipmentState.Empty, Apply);
    }

    public static ShipmentState Apply(ShipmentState state, IShipmentEvent recorded)
    {
        ArgumentNullException.ThrowIfNull(state);
        var next = recorded switch
        {
            ShipmentBooked booked => state with { Booking = booked.Booking, BillingCurrency = booked.BillingCurrency },
            MilestoneRecorded milestone => RecordMilestone(state, milestone.CarrierEvent),
            ShipmentExceptionOpened opened => OpenException(state, opened),
            ShipmentExceptionResolved resolved => ResolveException(state, resolved),
            ChargeRecorded charge => state with { Charges = state.Charges.SetItem(charge.Charge.ChargeId, charge.Charge) },
            ChargeVoided voided => VoidCharge(state, voided),
            AdjustmentRaised adjustment => state with { AdjustmentNumbers = state.AdjustmentNumbers.Add(adjustment.InvoiceNumber) },
            BillingReady => state with { BillingReadyRaised = true },
            ShipmentInvoiced invoiced => state with { InvoiceNumber = invoiced.InvoiceNumber },

            // Announcements only: the facts behind them are already in the timeline.
            ShipmentDelivered or ProofOfDeliveryReceived or BillingIncomplete => state,
            null => throw new ArgumentNullException(nameof(recorded)),
            _ => throw new ArgumentException($"Unknown shipment event {recorded.GetType().Name}.", nameof(recorded)),
        };
        return next with { Version = state.Version + 1 };
    }

    public static ShipmentView ToView(ShipmentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var booking = state.Booking ?? throw new InvalidOperationException("The shipment is not booked.");
        return new ShipmentView(
            booking,
            state.Status,
            state.Timeline,
            [.. state.Charges.Values],
            BillingReadiness.StatusOf(state),
            state.BillingReadyRaised ? [] : BillingReadiness.Evaluate(state).Problems,
            [.. state.Exceptions.Values.Where(entry => entry.IsOpen)],
            state.InvoiceNumber,
            state.DeliveredAt,
            state.Version,
            [.. state.VoidedCharges.Values],
            state.AdjustmentNumbers);
    }

    /// <summary>The shipment-scoped id of an exception reported by a carrier event.</summary>
    public static string ExceptionIdOf(CarrierEvent carrierEvent)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        return $"{carrierEvent.CarrierId}:{carrierEvent.EventId}";
    }

    private static ShipmentState RecordMilestone(ShipmentState state, CarrierEvent carrierEvent)
    {
        var reached = (ShipmentStatus)carrierEvent.Milestone.GetValueOrDefault();
        return AddToTimeline(state, carrierEvent) with { Status = reached > state.Status ? reached : state.Status };
    }

    private static ShipmentState VoidCharge(ShipmentState state, ChargeVoided voided) =>
        state.Charges.TryGetValue(voided.ChargeId, out var charge)
            ? state with
            {
                Charges = state.Charges.Remove(voided.ChargeId),
                VoidedCharges = state.VoidedCharges.SetItem(voided.ChargeId, new VoidedCharge(charge, voided.Reason, voided.OccurredAt)),
            }
            : state;

    private static ShipmentState OpenException(ShipmentState state, ShipmentExceptionOpened opened)
    {
        var carrierEvent = opened.CarrierEvent;
        var entry = new DeliveryExceptionEntry(
            opened.ExceptionId,
            carrierEvent.DeliveryException.GetValueOrDefault(),
            carrierEvent.OccurredAt,
            carrierEvent.ReasonCode,
            carrierEvent.Notes,
            Resolution: null,
            ResolvedAt: null);
        return AddToTimeline(state, carrierEvent) with { Exceptions = state.Exceptions.SetItem(entry.ExceptionId, entry) };
    }

    private static ShipmentState ResolveException(ShipmentState state, ShipmentExceptionResolved resolved)
    {
        if (!state.Exceptions.TryGetValue(resolved.ExceptionId, out var entry))
        {
            return state;
        }

        var closed = entry with { Resolution = resolved.Resolution, ResolvedAt = resolved.OccurredAt };
        return state with { Exceptions = state.Exceptions.SetItem(closed.ExceptionId, closed) };
    }

    private static ShipmentState AddToTimeline(ShipmentState state, CarrierEvent carrierEvent)
    {
        if (state.HasRecorded(carrierEvent.CarrierId, carrierEvent.EventId))
        {
            return state;
        }

        var index = state.Timeline.BinarySearch(carrierEvent, TimelineOrder);
        return state with { Timeline = state.Timeline.Insert(index < 0 ? ~index : index, carrierEvent) };
    }

    private static int CompareTimeline(CarrierEvent? left, CarrierEvent? right)
    {
        if (ReferenceEquals(left, right))
        {
            return 0;
        }

        if (left is null)
        {
            return -1;
        }

        if (right is null)
        {
            return 1;
        }

        var byTime = left.OccurredAt.CompareTo(right.OccurredAt);
        if (byTime != 0)
        {
            return byTime;
        }

        var byCarrier = string.CompareOrdinal(left.CarrierId, right.CarrierId);
        return byCarrier != 0 ? byCarrier : string.CompareOrdinal(left.EventId, right.EventId);
    }
}
