using System.Collections.Immutable;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Edi;

/// <summary>
/// Reads an X12 214 (shipment status) into statuses and carrier events: B10 references, L11 references before
/// the first LX, then per LX loop its AT7 statuses with the loop's MS1 location and MS2 equipment.
/// </summary>
internal static class ShipmentStatus214
{
    public static SetReading<ImmutableArray<EdiShipmentStatus>> Read(X12TransactionSet set, bool twoDigitYears, EdiIntakeContext context)
    {
        var warnings = new List<string>();
        var body = set.Segments[1..^1];
        var b10 = body.FirstOrDefault(segment => segment.Id == "B10");
        if (b10 is null)
        {
            return Rejected("B10 missing.");
        }

        var proNumber = EdiText.OrNull(b10.Element(1));
        var shipmentId = b10.Element(2).Trim();
        var scac = b10.Element(3).Trim();
        if (scac.Length > 0 && !string.Equals(scac, context.Carrier.Scac, StringComparison.OrdinalIgnoreCase))
        {
            return SetReading<ImmutableArray<EdiShipmentStatus>>.Refused(
                $"B1003 SCAC '{scac}' is not the carrier's ({context.Carrier.Scac}).", warnings);
        }

        string? billOfLading = null;
        var purchaseOrders = ImmutableArray.CreateBuilder<string>();
        foreach (var reference in body.TakeWhile(segment => segment.Id != "LX").Where(segment => segment.Id == "L11"))
        {
            var value = reference.Element(1).Trim();
            switch (reference.Element(2))
            {
                case "BM":
                    billOfLading ??= EdiText.OrNull(value);
                    break;
                case "PO" when value.Length > 0:
                    purchaseOrders.Add(value);
                    break;
            }
        }

        // Without B1002 the shipment is found by its PRO or bill of lading (the caller resolves them: ShipmentId is empty).
        if (shipmentId.Length == 0 && proNumber is null && billOfLading is null)
        {
            return Rejected("B1002 shipment id missing, and no PRO (B1001) or bill of lading (L11 BM) to find the shipment by.");
        }

        var references = new References(shipmentId, proNumber, billOfLading, purchaseOrders.ToImmutable());
        var statuses = ImmutableArray.CreateBuilder<EdiShipmentStatus>();
        foreach (var loop in Loops(body))
        {
            if (loop.Statuses.Count == 0)
            {
                return Rejected($"LX {loop.Number} has no AT7 status.");
            }

            foreach (var at7 in loop.Statuses)
            {
                var (status, error) = ReadStatus(at7, loop, references, set.ControlNumber, twoDigitYears, context, warnings);
                if (error is not null)
                {
                    return Rejected(error);
                }

                statuses.Add(status!);
            }
        }

        return statuses.Count == 0
            ? Rejected("AT7 missing: the set reports no status.")
            : SetReading<ImmutableArray<EdiShipmentStatus>>.Accepted(statuses.ToImmutable(), warnings);

        SetReading<ImmutableArray<EdiShipmentStatus>> Rejected(string reason) =>
            SetReading<ImmutableArray<EdiShipmentStatus>>.Rejected(reason, warnings);
    }

    private sealed record References(string ShipmentId, string? ProNumber, string? BillOfLading, ImmutableArray<string> PurchaseOrders);

    private sealed class StatusLoop(string number)
    {
        public string Number { get; } = number;

        public List<X12Segment> Statuses { get; } = [];

        public X12Segment? Place { get; set; }

        public X12Segment? Equipment { get; set; }
    }

    /// <summary>LX loops in order; AT7s before any LX (older senders) form a loop of their own.</summary>
    private static List<StatusLoop> Loops(IEnumerable<X12Segment> body)
    {
        var loops = new List<StatusLoop>();
        StatusLoop? current = null;
        foreach (var segment in body)
        {
            if (segment.Id == "LX")
            {
                current = new StatusLoop(segment.Element(1));
                loops.Add(current);
                continue;
            }

            if (segment.Id is not ("AT7" or "MS1" or "MS2"))
            {
                continue;
            }

            if (current is null)
            {
                current = new StatusLoop("(none)");
                loops.Add(current);
            }

            switch (segment.Id)
            {
                case "AT7":
                    current.Statuses.Add(segment);
                    break;
                case "MS1":
                    current.Place ??= segment;
                    break;
                default:
                    current.Equipment ??= segment;
                    break;
            }
        }

        return loops;
    }

    private static (EdiShipmentStatus? Status, string? Error) ReadStatus(
        X12Segment at7,
        StatusLoop loop,
        References references,
        string controlNumber,
        bool twoDigitYears,
        EdiIntakeContext context,
        List<string> warnings)
    {
        var where = $"LX {loop.Number}";
        var statusCode = at7.Element(1).Trim();
        if (statusCode.Length == 0)
        {
            return (null, $"AT701 status code missing in {where}.");
        }

        var rawDate = at7.Element(5).Trim();
        var date = X12Time.ParseDate(rawDate, twoDigitYears, context.ReceivedAt);
        if (date is null)
        {
            return (null, $"AT705 date '{rawDate}' in {where} is not a valid {(twoDigitYears ? "CCYYMMDD or YYMMDD" : "CCYYMMDD")} date.");
        }

        var rawTime = at7.Element(6).Trim();
        var time = X12Time.ParseTime(rawTime);
        if (time is null)
        {
            return (null, $"AT706 time '{rawTime}' in {where} is not a valid HHMM or HHMMSS time.");
        }

        var rawTimeCode = at7.Element(7).Trim();
        var instant = X12Time.Resolve(date.Value, time.Value, rawTimeCode, context.CarrierTimeZone);
        if (instant.Error is not null)
        {
            return (null, $"AT707 in {where}: {instant.Error}");
        }

        if (instant.Warning is not null)
        {
            warnings.Add($"AT7 in {where}: {instant.Warning}");
        }

        var occurredAt = instant.Value!.Value;
        var location = ReadLocation(loop.Place, where, warnings);
        var reasonCode = EdiText.OrNull(at7.Element(2));
        if (reasonCode is not null && EdiCodes.ReasonText(reasonCode) is null)
        {
            warnings.Add($"AT702 reason code '{reasonCode}' in {where} is unknown; kept as sent.");
        }

        var meaning = EdiCodes.StatusMeaning(context.Carrier, statusCode);
        CarrierEvent? carrierEvent = null;
        if (meaning is null)
        {
            warnings.Add($"AT701 status code '{statusCode}' in {where} has no meaning for carrier {context.Carrier.CarrierId}; kept without an event.");
        }
        else
        {
            carrierEvent = new CarrierEvent(
                EdiContentIds.StatusEventId(
                    context.Carrier.CarrierId,
                    references.ShipmentId,
                    references.ProNumber,
                    statusCode,
                    occurredAt,
                    location?.City,
                    location?.State,
                    location?.Country),
                context.Carrier.CarrierId,
                references.ShipmentId,
                meaning.Milestone,
                meaning.DeliveryException,
                occurredAt,
                context.ReceivedAt,
                location,
                reasonCode,
                reasonCode is null ? null : EdiCodes.ReasonText(reasonCode),
                EventSource.Edi,
                CarrierEvent.CurrentSchemaVersion,
                DetentionReported: false);
        }

        var status = new EdiShipmentStatus(
            controlNumber,
            references.ShipmentId,
            references.ProNumber,
            references.BillOfLading,
            references.PurchaseOrders,
            statusCode,
            reasonCode,
            rawDate,
            rawTime,
            rawTimeCode,
            occurredAt,
            location,
            EdiText.OrNull(loop.Equipment?.Element(1) ?? string.Empty),
            EdiText.OrNull(loop.Equipment?.Element(2) ?? string.Empty),
            carrierEvent);
        return (status, null);
    }

    /// <summary>
    /// MS1 city, state, country. X12 leaves MS103 empty inside the US and some senders write three letters; the
    /// grid keeps ISO 3166 alpha-2, so USA, CAN and MEX are translated and other three-letter codes dropped
    /// with a warning (with the location: a place in an unknown country is no place).
    /// </summary>
    private static Location? ReadLocation(X12Segment? ms1, string where, List<string> warnings)
    {
        if (ms1 is null)
        {
            return null;
        }

        var city = ms1.Element(1).Trim();
        if (city.Length == 0)
        {
            return null;
        }

        var country = ms1.Element(3).Trim().ToUpperInvariant() switch
        {
            "" or "USA" => "US",
            "CAN" => "CA",
            "MEX" => "MX",
            var code when code.Length == 2 && code.All(char.IsAsciiLetterUpper) => code,
            _ => null,
        };
        if (country is null)
        {
            warnings.Add($"MS103 country '{ms1.Element(3)}' in {where} is not an ISO 3166 alpha-2 code; location dropped.");
            return null;
        }

        return new Location(city, EdiText.OrNull(ms1.Element(2)), country, null);
    }
}
