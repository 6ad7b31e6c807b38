using System.Collections.Immutable;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Billing;

public static class InvoiceBuilder
{
    /// <summary>
    /// Builds the draft invoice of a billing-ready shipment: one line per charge, in a fixed order (type,
    /// then charge id) so a rebuild gives the same document, total in the customer's currency.
    /// </summary>
    public static InvoiceView Build(BillingReady ready, DateTimeOffset createdAt)
    {
        ArgumentNullException.ThrowIfNull(ready);
        var charges = ready.Charges
            .OrderBy(charge => charge.Type)
            .ThenBy(charge => charge.ChargeId, StringComparer.Ordinal)
            .ToList();
        var foreign = charges.Find(charge => !string.Equals(charge.Amount.Currency, ready.Currency, StringComparison.Ordinal));
        if (foreign is not null)
        {
            // Readiness refuses mixed currencies, so reaching this is a broken invariant, not a business case.
            throw new InvalidOperationException($"Charge {foreign.ChargeId} is in {foreign.Amount.Currency}, not {ready.Currency}.");
        }

        var lines = charges
            .Select((charge, index) => new InvoiceLine(index + 1, charge.ChargeId, charge.Type, charge.Amount, charge.Source, charge.SourceReference))
            .ToImmutableArray();
        var total = lines.Aggregate(Money.Zero(ready.Currency), (sum, line) => sum + line.Amount);
        return new InvoiceView(
            InvoiceNumbering.For(ready.ShipmentId),
            ready.ShipmentId,
            ready.CustomerId,
            lines,
            total,
            InvoiceStatus.Draft,
            createdAt,
            HoldReason: null,
            ErpDocumentNumber: null,
            PostedAt: null);
    }

    /// <summary>The draft of a supplementary invoice or credit note: its lines and total as the shipment decided them.</summary>
    public static InvoiceView Build(AdjustmentRaised adjustment)
    {
        ArgumentNullException.ThrowIfNull(adjustment);
        return new InvoiceView(
            adjustment.InvoiceNumber,
            adjustment.ShipmentId,
            adjustment.CustomerId,
            adjustment.Lines,
            adjustment.Total,
            InvoiceStatus.Draft,
            adjustment.OccurredAt,
            HoldReason: null,
            ErpDocumentNumber: null,
            PostedAt: null,
            adjustment.Kind,
            adjustment.OriginalInvoiceNumber,
            adjustment.Reason);
    }
}
