using System.Collections.Immutable;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Billing;

/// <summary>The outcome of a readiness check: ready when there is no problem left.</summary>
public sealed record BillingReadinessResult(ImmutableArray<ChargeType> RequiredCharges, ImmutableArray<BillingProblem> Problems)
{
    public bool IsReady => Problems.IsEmpty;
}

/// <summary>
/// DOMAIN billing rule: ready = proof of delivery received, every required charge present, amounts
/// positive, currency equal to the customer's. The result names each thing missing or wrong.
/// </summary>
public static class BillingReadiness
{
    public static BillingReadinessResult Evaluate(ShipmentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (state is not { Booking: { } booking, BillingCurrency: { } currency })
        {
            throw new InvalidOperationException("The shipment is not booked.");
        }

        return Evaluate(state.ProofOfDeliveryReceived, state.Charges.Values, state.DetentionReported, booking.ServiceFlags.SpecialHandling, currency);
    }

    public static BillingReadinessResult Evaluate(
        bool proofOfDeliveryReceived,
        IEnumerable<Charge> charges,
        bool detentionReported,
        bool specialHandling,
        string customerCurrency)
    {
        ArgumentNullException.ThrowIfNull(charges);
        var ordered = charges.OrderBy(charge => charge.ChargeId, StringComparer.Ordinal).ToList();
        var required = RequiredCharges(detentionReported, specialHandling);
        var problems = ImmutableArray.CreateBuilder<BillingProblem>();
        if (!proofOfDeliveryReceived)
        {
            problems.Add(new BillingProblem(BillingProblemKind.ProofOfDeliveryMissing, null, null, "Proof of delivery not received."));
        }

        foreach (var type in required.Where(type => !ordered.Exists(charge => charge.Type == type)))
        {
            problems.Add(new BillingProblem(BillingProblemKind.ChargeMissing, type, null, $"{type} charge missing."));
        }

        foreach (var charge in ordered)
        {
            if (!charge.Amount.IsPositive)
            {
                problems.Add(new BillingProblem(
                    BillingProblemKind.AmountNotPositive, charge.Type, charge.ChargeId, $"Charge {charge.ChargeId} amount {charge.Amount} is not positive."));
            }

            if (!string.Equals(charge.Amount.Currency, customerCurrency, StringComparison.Ordinal))
            {
                problems.Add(new BillingProblem(
                    BillingProblemKind.CurrencyMismatch,
                    charge.Type,
                    charge.ChargeId,
                    $"Charge {charge.ChargeId} is in {charge.Amount.Currency}; the customer is billed in {customerCurrency}."));
            }
        }

        return new BillingReadinessResult(required, problems.ToImmutable());
    }

    public static ImmutableArray<ChargeType> RequiredCharges(bool detentionReported, bool specialHandling)
    {
        var required = ImmutableArray.CreateBuilder<ChargeType>();
        required.Add(ChargeType.Linehaul);
        required.Add(ChargeType.FuelSurcharge);
        if (detentionReported)
        {
            required.Add(ChargeType.Detention);
        }

        if (specialHandling)
        {
            required.Add(ChargeType.SpecialHandling);
        }

        return required.ToImmutable();
    }

    public static BillingStatus StatusOf(ShipmentState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state switch
        {
            { InvoiceNumber: not null } => BillingStatus.Invoiced,
            { BillingReadyRaised: true } => BillingStatus.ReadyToInvoice,
            { ProofOfDeliveryReceived: false } => BillingStatus.NotReady,
            _ => BillingStatus.AwaitingCharges,
        };
    }
}
