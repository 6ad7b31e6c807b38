using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Shipments;

/// <summary>
/// The shipment's business rules (DOMAIN.md, milestone and billing rules) as decisions over state: each
/// takes the current state and a command and says what happened. Pure: the caller supplies the clock.
/// Event ids are derived from the shipment and the fact, so a retried command yields the same ids.
/// </summary>
public static class ShipmentDecisions
{
    /// <summary>How many supplementary invoices and credit notes one shipment may have, so its documents stay a short list.</summary>
    public const int MaxAdjustments = 99;

    public static ShipmentDecision Book(ShipmentState state, ShipmentBooking booking, string billingCurrency, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var currencyErrors = new FieldErrors();
        currencyErrors.Currency("billingCurrency", billingCurrency);
        var errors = ShipmentValidation.Validate(booking).AddRange(currencyErrors.ToImmutable());
        if (!errors.IsEmpty)
        {
            return ShipmentDecision.Invalid(errors);
        }

        if (state.Booking is not null)
        {
            return state.Booking == booking && state.BillingCurrency == billingCurrency
                ? ShipmentDecision.Duplicate($"Shipment {booking.ShipmentId} is already booked.")
                : ShipmentDecision.Rejected(RejectionCode.AlreadyBookedDifferently, $"Shipment {booking.ShipmentId} is already booked with other details.");
        }

        return ShipmentDecision.Applied([new ShipmentBooked(EventId(booking.ShipmentId, "booked"), booking.ShipmentId, now, booking, billingCurrency)]);
    }

    public static ShipmentDecision RecordCarrierEvent(ShipmentState state, CarrierEvent carrierEvent, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var errors = ShipmentValidation.Validate(carrierEvent);
        if (!errors.IsEmpty)
        {
            return ShipmentDecision.Invalid(errors);
        }

        if (state.Booking is not { } booking || booking.ShipmentId != carrierEvent.ShipmentId)
        {
            return ShipmentDecision.Rejected(RejectionCode.ShipmentNotBooked, $"Shipment {carrierEvent.ShipmentId} is not booked.");
        }

        if (booking.CarrierId != carrierEvent.CarrierId)
        {
            return ShipmentDecision.Rejected(
                RejectionCode.CarrierMismatch, $"Shipment {booking.ShipmentId} is booked with carrier {booking.CarrierId}, not {carrierEvent.CarrierId}.");
        }

        if (state.HasRecorded(carrierEvent.CarrierId, carrierEvent.EventId))
        {
            return ShipmentDecision.Duplicate($"Event {carrierEvent.EventId} of carrier {carrierEvent.CarrierId} is already recorded.");
        }

        return carrierEvent.Milestone is { } milestone
            ? WithBillingDecision(state, ReachMilestone(state, booking, carrierEvent, milestone), now)
            : OpenException(state, booking, carrierEvent, now);
    }

    public static ShipmentDecision RecordCharge(ShipmentState state, Charge charge, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var errors = ChargeValidation.Validate(charge);
        if (!errors.IsEmpty)
        {
            return ShipmentDecision.Invalid(errors);
        }

        if (state.Booking is not { } booking)
        {
            return ShipmentDecision.Rejected(RejectionCode.ShipmentNotBooked, "The shipment is not booked.");
        }

        if (state.Charges.TryGetValue(charge.ChargeId, out var recorded))
        {
            return recorded == charge
                ? ShipmentDecision.Duplicate($"Charge {charge.ChargeId} is already recorded.")
                : ShipmentDecision.Rejected(RejectionCode.ChargeConflict, $"Charge {charge.ChargeId} is already recorded with other content.");
        }

        if (state.VoidedCharges.ContainsKey(charge.ChargeId))
        {
            return ShipmentDecision.Rejected(RejectionCode.ChargeConflict, $"Charge {charge.ChargeId} was voided; a correction takes a new charge id.");
        }

        var recordedCharge = new ChargeRecorded(EventId(booking.ShipmentId, $"charge/{charge.ChargeId}"), booking.ShipmentId, now, charge);
        if (!state.BillingReadyRaised)
        {
            return WithBillingDecision(state, [recordedCharge], now);
        }

        // The invoice decision is made once: a charge after it is billed by a supplementary invoice for it alone.
        return ChargeCurrencyMismatch(state, charge) ?? AdjustmentLimit(state) ?? ShipmentDecision.Applied(
                [recordedCharge, .. Adjustment(state, booking, now, [(charge, 1)], $"Charge {charge.ChargeId} arrived after the invoice.")]);
    }

    /// <summary>
    /// Takes a charge recorded in error off the shipment, optionally putting a corrected one (a new charge id) in its
    /// place. Before the invoice decision the shipment's readiness is judged again without it, so one bad charge never
    /// blocks billing for good; after it, the difference is billed by a credit note (a reduction) or a supplementary
    /// invoice (an increase). Voiding a voided charge again is a duplicate.
    /// </summary>
    public static ShipmentDecision VoidCharge(ShipmentState state, string chargeId, string reason, Charge? replacement, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        var errors = ShipmentValidation.ValidateVoid(reason);
        if (replacement is not null)
        {
            errors = errors.AddRange(ChargeValidation.Validate(replacement).Select(pair => KeyValuePair.Create("replacement." + pair.Key, pair.Value)));
        }

        if (!errors.IsEmpty)
        {
            return ShipmentDecision.Invalid(errors);
        }

        if (state.Booking is not { } booking)
        {
            return ShipmentDecision.Rejected(RejectionCode.ShipmentNotBooked, "The shipment is not booked.");
        }

        if (state.VoidedCharges.ContainsKey(chargeId))
        {
            return ShipmentDecision.Duplicate($"Charge {chargeId} is already voided.");
        }

        if (!state.Charges.TryGetValue(chargeId, out var voided))
        {
            return ShipmentDecision.Rejected(RejectionCode.ChargeNotFound, $"Shipment {booking.ShipmentId} has no charge {chargeId}.");
        }

        if (replacement is not null && state.HasChargeId(replacement.ChargeId))
        {
            return ShipmentDecision.Rejected(
                RejectionCode.ChargeConflict, $"Charge id {replacement.ChargeId} is already taken; a replacement needs a new charge id.");
        }

        ImmutableArray<IShipmentEvent> events =
        [
            new ChargeVoided(EventId(booking.ShipmentId, $"charge/{chargeId}/voided"), booking.ShipmentId, now, chargeId, reason),
            .. replacement is null ? [] : new IShipmentEvent[] { new ChargeRecorded(EventId(booking.ShipmentId, $"charge/{replacement.ChargeId}"), booking.ShipmentId, now, replacement) },
        ];
        if (!state.BillingReadyRaised)
        {
            return WithBillingDecision(state, events, now);
        }

        if (((replacement is null ? null : ChargeCurrencyMismatch(state, replacement)) ?? AdjustmentLimit(state)) is { } refused)
        {
            return refused;
        }

        var why = replacement is null ? $"Charge {chargeId} voided: {reason}" : $"Charge {chargeId} replaced by {replacement.ChargeId}: {reason}";
        List<(Charge Charge, int Sign)> lines = [(voided, -1)];
        if (replacement is not null)
        {
            lines.Add((replacement, 1));
        }

        return ShipmentDecision.Applied([.. events, .. Adjustment(state, booking, now, lines, why)]);
    }

    public static ShipmentDecision ResolveException(ShipmentState state, string exceptionId, string resolution, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (ShipmentValidation.ValidateResolution(resolution) is { IsEmpty: false } errors)
        {
            return ShipmentDecision.Invalid(errors);
        }

        if (state.Booking is not { } booking)
        {
            return ShipmentDecision.Rejected(RejectionCode.ShipmentNotBooked, "The shipment is not booked.");
        }

        if (!state.Exceptions.TryGetValue(exceptionId, out var entry))
        {
            return ShipmentDecision.Rejected(RejectionCode.ExceptionNotFound, $"Shipment {booking.ShipmentId} has no exception {exceptionId}.");
        }

        if (!entry.IsOpen)
        {
            return ShipmentDecision.Duplicate($"Exception {exceptionId} is already resolved.");
        }

        return ShipmentDecision.Applied(
        [
            new ShipmentExceptionResolved(
                EventId(booking.ShipmentId, $"exception/{exceptionId}/resolved"), booking.ShipmentId, now, booking.CustomerId, exceptionId, resolution),
        ]);
    }

    public static ShipmentDecision RecordInvoice(ShipmentState state, string invoiceNumber, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state.Booking is not { } booking)
        {
            return ShipmentDecision.Rejected(RejectionCode.ShipmentNotBooked, "The shipment is not booked.");
        }

        if (invoiceNumber != InvoiceNumbering.For(booking.ShipmentId))
        {
            return ShipmentDecision.Rejected(
                RejectionCode.InvoiceNumberMismatch, $"Shipment {booking.ShipmentId} is invoiced as {InvoiceNumbering.For(booking.ShipmentId)}, not {invoiceNumber}.");
        }

        if (!state.BillingReadyRaised)
        {
            return ShipmentDecision.Rejected(RejectionCode.BillingNotReady, $"Shipment {booking.ShipmentId} is not ready to invoice.");
        }

        return state.InvoiceNumber is not null
            ? ShipmentDecision.Duplicate($"Shipment {booking.ShipmentId} is already invoiced.")
            : ShipmentDecision.Applied([new ShipmentInvoiced(EventId(booking.ShipmentId, "invoiced"), booking.ShipmentId, now, invoiceNumber)]);
    }

    /// <summary>
    /// A milestone always joins the timeline; status only moves forward. Delivered is announced once, when
    /// first reached (a proof of delivery before any Delivered implies it).
    /// </summary>
    private static ImmutableArray<IShipmentEvent> ReachMilestone(ShipmentState state, ShipmentBooking booking, CarrierEvent carrierEvent, MilestoneType milestone)
    {
        var shipmentId = booking.ShipmentId;
        var events = ImmutableArray.CreateBuilder<IShipmentEvent>();
        events.Add(new MilestoneRecorded(
            EventId(shipmentId, $"milestone/{carrierEvent.CarrierId}/{carrierEvent.EventId}"), shipmentId, carrierEvent.OccurredAt, carrierEvent));
        if (!state.IsDelivered && milestone >= MilestoneType.Delivered)
        {
            events.Add(new ShipmentDelivered(
                EventId(shipmentId, "delivered"), shipmentId, carrierEvent.OccurredAt, booking.CustomerId, milestone == MilestoneType.ProofOfDelivery,
                booking.CarrierId, booking.PlannedDelivery));
        }

        if (!state.ProofOfDeliveryReceived && milestone == MilestoneType.ProofOfDelivery)
        {
            events.Add(new ProofOfDeliveryReceived(EventId(shipmentId, "proof-of-delivery"), shipmentId, carrierEvent.OccurredAt, booking.CustomerId));
        }

        return events.ToImmutable();
    }

    /// <summary>
    /// Exceptions count when they happened before delivery, judged by occurred-at rather than arrival, so a
    /// late report of an earlier problem is still accepted. Judged against the delivery known now: an
    /// exception recorded before a (late) Delivered report is not withdrawn.
    /// </summary>
    private static ShipmentDecision OpenException(ShipmentState state, ShipmentBooking booking, CarrierEvent carrierEvent, DateTimeOffset now)
    {
        if (state.DeliveredAt is { } deliveredAt && carrierEvent.OccurredAt >= deliveredAt)
        {
            return ShipmentDecision.Rejected(
                RejectionCode.ExceptionAfterDelivery,
                $"{carrierEvent.DeliveryException} at {carrierEvent.OccurredAt:O} is not before the delivery at {deliveredAt:O}.");
        }

        var exceptionId = ShipmentHistory.ExceptionIdOf(carrierEvent);
        ShipmentExceptionOpened opened = new(
            EventId(booking.ShipmentId, $"exception/{exceptionId}"), booking.ShipmentId, carrierEvent.OccurredAt, booking.CustomerId, exceptionId, carrierEvent);
        return WithBillingDecision(state, [opened], now);
    }

    /// <summary>
    /// Adds the billing consequence of <paramref name="events"/>: the one BillingReady once proof of delivery
    /// and charges are complete, or BillingIncomplete when proof of delivery arrives to missing charges.
    /// </summary>
    private static ShipmentDecision WithBillingDecision(ShipmentState state, ImmutableArray<IShipmentEvent> events, DateTimeOffset now)
    {
        var next = events.Aggregate(state, ShipmentHistory.Apply);
        if (!next.ProofOfDeliveryReceived || next.BillingReadyRaised)
        {
            return ShipmentDecision.Applied(events);
        }

        if (next is not { Booking: { } booking, BillingCurrency: { } currency })
        {
            throw new InvalidOperationException("Billing is decided for booked shipments only.");
        }

        var readiness = BillingReadiness.Evaluate(next);
        if (readiness.IsReady)
        {
            return ShipmentDecision.Applied(events.Add(new BillingReady(
                EventId(booking.ShipmentId, "billing-ready"), booking.ShipmentId, now, booking.CustomerId, currency, [.. next.Charges.Values],
                FirstReached(next, MilestoneType.PickedUp), FirstReached(next, MilestoneType.ProofOfDelivery))));
        }

        return state.ProofOfDeliveryReceived
            ? ShipmentDecision.Applied(events)
            : ShipmentDecision.Applied(events.Add(new BillingIncomplete(
                EventId(booking.ShipmentId, "billing-incomplete"), booking.ShipmentId, now, booking.CustomerId, readiness.Problems)));
    }

    /// <summary>
    /// The adjustment document for charges that changed after the invoice decision: one line per charge, credited
    /// (sign -1) or billed (sign +1); none when the lines cancel out, since a zero document moves no money.
    /// </summary>
    private static ImmutableArray<IShipmentEvent> Adjustment(
        ShipmentState state, ShipmentBooking booking, DateTimeOffset now, IReadOnlyList<(Charge Charge, int Sign)> changes, string reason)
    {
        var currency = state.BillingCurrency ?? throw new InvalidOperationException("Billing is adjusted for booked shipments only.");
        var lines = changes
            .Select((change, index) => new InvoiceLine(
                index + 1,
                change.Charge.ChargeId,
                change.Charge.Type,
                change.Charge.Amount with { Amount = change.Sign * change.Charge.Amount.Amount },
                change.Charge.Source,
                change.Charge.SourceReference))
            .ToImmutableArray();
        var total = lines.Aggregate(Money.Zero(currency), (sum, line) => sum + line.Amount);
        if (total.Amount == 0m)
        {
            return [];
        }

        var sequence = state.AdjustmentNumbers.Length + 1;
        return
        [
            new AdjustmentRaised(
                EventId(booking.ShipmentId, $"adjustment/{sequence}"),
                booking.ShipmentId,
                now,
                booking.CustomerId,
                InvoiceNumbering.Adjustment(booking.ShipmentId, sequence),
                InvoiceNumbering.For(booking.ShipmentId),
                sequence,
                total.Amount > 0m ? InvoiceKind.SupplementaryInvoice : InvoiceKind.CreditNote,
                lines,
                total,
                reason),
        ];
    }

    /// <summary>After the invoice decision, a charge in another currency than the customer's cannot be billed at all.</summary>
    private static ShipmentDecision? ChargeCurrencyMismatch(ShipmentState state, Charge charge) =>
        string.Equals(charge.Amount.Currency, state.BillingCurrency, StringComparison.Ordinal)
            ? null
            : ShipmentDecision.Rejected(
                RejectionCode.ChargeCurrencyMismatch,
                $"Charge {charge.ChargeId} is in {charge.Amount.Currency}; the shipment is billed in {state.BillingCurrency}.");

    private static ShipmentDecision? AdjustmentLimit(ShipmentState state) =>
        state.AdjustmentNumbers.Length < MaxAdjustments
            ? null
            : ShipmentDecision.Rejected(
                RejectionCode.AdjustmentLimitReached, $"The shipment already has {MaxAdjustments} adjustments; correct it in the ERP.");

    /// <summary>When the timeline (in occurred-at order) first reached <paramref name="milestone"/>, whatever order the reports came in.</summary>
    private static DateTimeOffset? FirstReached(ShipmentState state, MilestoneType milestone) =>
        state.Timeline.Where(entry => entry.Milestone == milestone).Select(entry => (DateTimeOffset?)entry.OccurredAt).FirstOrDefault();

    private static string EventId(string shipmentId, string fact) => $"{shipmentId}/{fact}";
}
