using System.Collections.Immutable;
using System.Globalization;
using ShipmentGrid.Billing;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Edi;

/// <summary>
/// Reads an X12 210 (freight invoice) into charges: B3 header, C3 currency, per LX loop its L5 description,
/// L0 weight and quantity and L1 charge lines, and the L3 total. The lines must add up to L305 and to B307:
/// an invoice that contradicts itself is refused whole rather than billed in part.
/// </summary>
internal static class FreightInvoice210
{
    /// <summary>X12 210s without C3 are in US dollars.</summary>
    private const string DefaultCurrency = "USD";

    public static SetReading<EdiFreightInvoice> Read(X12TransactionSet set, bool twoDigitYears, EdiIntakeContext context)
    {
        var warnings = new List<string>();
        var body = set.Segments[1..^1];
        var b3 = body.FirstOrDefault(segment => segment.Id == "B3");
        if (b3 is null)
        {
            return Rejected("B3 missing.");
        }

        var invoiceNumber = b3.Element(2).Trim();
        var shipmentId = b3.Element(3).Trim();
        if (invoiceNumber.Length == 0)
        {
            return Rejected("B302 invoice number missing.");
        }

        if (shipmentId.Length == 0)
        {
            return Rejected("B303 shipment id missing.");
        }

        var invoiceDate = X12Time.ParseDate(b3.Element(6).Trim(), twoDigitYears, context.ReceivedAt);
        if (invoiceDate is null)
        {
            return Rejected($"B306 invoice date '{b3.Element(6)}' is not a valid date.");
        }

        var netAmount = EdiText.ImpliedTwoDecimals(b3.Element(7).Trim());
        if (netAmount is null)
        {
            return Rejected($"B307 net amount '{b3.Element(7)}' is not an amount with two implied decimals.");
        }

        var scac = b3.Element(11).Trim();
        if (scac.Length > 0 && !string.Equals(scac, context.Carrier.Scac, StringComparison.OrdinalIgnoreCase))
        {
            return SetReading<EdiFreightInvoice>.Refused($"B311 SCAC '{scac}' is not the carrier's ({context.Carrier.Scac}).", warnings);
        }

        var currency = body.FirstOrDefault(segment => segment.Id == "C3")?.Element(1).Trim() ?? string.Empty;
        if (currency.Length == 0)
        {
            currency = DefaultCurrency;
            warnings.Add($"No C3 currency: amounts read as {DefaultCurrency}.");
        }

        var minorUnits = Iso4217.MinorUnits(currency);
        if (minorUnits is null)
        {
            return Rejected($"C301 currency '{currency}' is not an ISO 4217 code.");
        }

        var lines = ImmutableArray.CreateBuilder<EdiChargeLine>();
        foreach (var loop in Loops(body))
        {
            foreach (var l1 in loop.Charges)
            {
                var (line, error) = ReadLine(l1, loop, lines.Count + 1, invoiceNumber, currency, context, warnings);
                if (error is not null)
                {
                    return Rejected(error);
                }

                lines.Add(line!);
            }
        }

        if (lines.Count == 0)
        {
            return Rejected("L1 missing: the invoice has no charge lines.");
        }

        Money? total = null;
        var l3 = body.FirstOrDefault(segment => segment.Id == "L3");
        if (l3 is not null && l3.Element(5).Trim().Length > 0)
        {
            var l305 = EdiText.ImpliedTwoDecimals(l3.Element(5).Trim());
            if (l305 is null)
            {
                return Rejected($"L305 total '{l3.Element(5)}' is not an amount with two implied decimals.");
            }

            total = new Money(l305.Value, currency);
        }

        foreach (var amount in new[] { netAmount.Value, total?.Amount ?? 0m }.Concat(lines.Select(line => line.Charge.Amount.Amount)))
        {
            if (decimal.Round(amount, minorUnits.Value) != amount)
            {
                return Rejected($"Amount {amount.ToString("F2", CultureInfo.InvariantCulture)} has more decimals than {currency} allows ({minorUnits}).");
            }
        }

        var sum = lines.Sum(line => line.Charge.Amount.Amount);
        if (total is not null && total.Amount != sum)
        {
            return SetReading<EdiFreightInvoice>.Refused($"L305 total {Show(total.Amount)} does not match the sum of the L1 lines, {Show(sum)}.", warnings);
        }

        if (netAmount.Value != sum)
        {
            return SetReading<EdiFreightInvoice>.Refused($"B307 net amount {Show(netAmount.Value)} does not match the sum of the L1 lines, {Show(sum)}.", warnings);
        }

        var invoice = new EdiFreightInvoice(
            set.ControlNumber,
            invoiceNumber,
            shipmentId,
            invoiceDate.Value,
            EdiText.OrNull(b3.Element(4)),
            new Money(netAmount.Value, currency),
            total,
            lines.ToImmutable());
        return SetReading<EdiFreightInvoice>.Accepted(invoice, warnings);

        SetReading<EdiFreightInvoice> Rejected(string reason) => SetReading<EdiFreightInvoice>.Rejected(reason, warnings);

        string Show(decimal amount) => amount.ToString("F" + minorUnits.Value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }

    private sealed class ChargeLoop(string number)
    {
        public string Number { get; } = number;

        public List<X12Segment> Charges { get; } = [];

        public X12Segment? Description { get; set; }

        public X12Segment? Measures { get; set; }
    }

    /// <summary>LX loops in order; L1s before any LX form a loop of their own.</summary>
    private static List<ChargeLoop> Loops(IEnumerable<X12Segment> body)
    {
        var loops = new List<ChargeLoop>();
        ChargeLoop? current = null;
        foreach (var segment in body)
        {
            if (segment.Id == "LX")
            {
                current = new ChargeLoop(segment.Element(1));
                loops.Add(current);
                continue;
            }

            if (segment.Id is not ("L1" or "L5" or "L0"))
            {
                continue;
            }

            if (current is null)
            {
                current = new ChargeLoop("(none)");
                loops.Add(current);
            }

            switch (segment.Id)
            {
                case "L1":
                    current.Charges.Add(segment);
                    break;
                case "L5":
                    current.Description ??= segment;
                    break;
                default:
                    current.Measures ??= segment;
                    break;
            }
        }

        return loops;
    }

    private static (EdiChargeLine? Line, string? Error) ReadLine(
        X12Segment l1,
        ChargeLoop loop,
        int position,
        string invoiceNumber,
        string currency,
        EdiIntakeContext context,
        List<string> warnings)
    {
        var lineNumber = EdiText.OrNull(l1.Element(1));
        var where = $"L1 line {lineNumber ?? position.ToString(CultureInfo.InvariantCulture)} (LX {loop.Number})";
        var amount = EdiText.ImpliedTwoDecimals(l1.Element(4).Trim());
        if (amount is null)
        {
            return (null, $"L104 charge '{l1.Element(4)}' of {where} is not an amount with two implied decimals.");
        }

        var chargeCode = EdiText.OrNull(l1.Element(8));
        var type = chargeCode is null ? null : EdiCodes.ChargeTypeOf(context.Carrier, chargeCode);
        if (type is null)
        {
            warnings.Add(chargeCode is null
                ? $"{where} has no L108 charge code; billed as {ChargeType.OtherAccessorial}."
                : $"L108 charge code '{chargeCode}' of {where} has no meaning for carrier {context.Carrier.CarrierId}; billed as {ChargeType.OtherAccessorial}.");
        }

        var measures = loop.Measures;
        var weightText = measures?.Element(4).Trim() ?? string.Empty;
        var quantityText = measures?.Element(8).Trim() ?? string.Empty;
        var weight = EdiText.Real(weightText);
        var quantity = EdiText.Real(quantityText);
        if ((weightText.Length > 0 && weight is null) || (quantityText.Length > 0 && quantity is null))
        {
            return (null, $"L0 of LX {loop.Number}: weight '{weightText}' or quantity '{quantityText}' is not a number.");
        }

        var charge = new Charge(
            EdiContentIds.ChargeId(context.Carrier.CarrierId, invoiceNumber, $"{position}:{lineNumber}"),
            type ?? ChargeType.OtherAccessorial,
            new Money(amount.Value, currency),
            ChargeSource.CarrierInvoice,
            invoiceNumber);
        var line = new EdiChargeLine(
            lineNumber,
            chargeCode,
            EdiText.OrNull(loop.Description?.Element(2) ?? string.Empty),
            weight,
            weight is null ? null : EdiText.OrNull(measures!.Element(11)) ?? EdiText.OrNull(measures.Element(5)),
            quantity,
            quantity is null ? null : EdiText.OrNull(measures!.Element(9)),
            charge);
        return (line, null);
    }
}
