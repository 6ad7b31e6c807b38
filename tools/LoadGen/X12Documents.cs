using System.Globalization;
using System.Text;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// The X12 a carrier on EDI sends (version 004010, <c>*</c> between elements, <c>~</c> after segments): 214 shipment
/// statuses in a QM group, 210 freight invoices in an IM group, each interchange from the carrier's sender id (one of its
/// profile's <c>ediSenderIds</c>). Times are UTC (AT707 <c>UT</c>); amounts have two implied decimals.
/// </summary>
internal static class X12Documents
{
    /// <summary>The status code the run maps to proof of delivery in each carrier's profile (X12 has none of its own).</summary>
    public const string ProofOfDeliveryCode = "POD";

    public static string Interchange(CarrierPlan carrier, int controlNumber, string functionalId, IReadOnlyList<string> sets, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        ArgumentNullException.ThrowIfNull(sets);
        var control = controlNumber.ToString("D9", CultureInfo.InvariantCulture);
        var group = controlNumber.ToString(CultureInfo.InvariantCulture);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"ISA*00*          *00*          *ZZ*{carrier.SenderId,-15}*ZZ*SHIPGRID       *{now:yyMMdd}*{now:HHmm}*U*00401*{control}*0*P*>~")
            .Append(CultureInfo.InvariantCulture, $"GS*{functionalId}*{carrier.SenderId}*SHIPGRID*{now:yyyyMMdd}*{now:HHmm}*{group}*X*004010~");
        foreach (var set in sets)
        {
            text.Append(set);
        }

        return text.Append(CultureInfo.InvariantCulture, $"GE*{sets.Count}*{group}~IEA*1*{control}~").ToString();
    }

    /// <summary>A 214 reporting one status of one shipment (B1002 names it, so no reference lookup is needed).</summary>
    public static string Status214(int setNumber, PlannedEvent planned)
    {
        ArgumentNullException.ThrowIfNull(planned);
        var (code, reason) = (planned.Milestone, planned.Exception) switch
        {
            (Milestone.PickedUp, _) => ("AF", "NS"),
            (Milestone.InTransit, _) => ("X6", "NS"),
            (Milestone.Delivered, _) => ("D1", "NS"),
            (Milestone.ProofOfDelivery, _) => (ProofOfDeliveryCode, "NS"),
            (_, "Delayed") => ("SD", "AO"),
            _ => ("A9", "BG"),
        };
        var at = planned.OccurredAt.ToUniversalTime();
        return Set("214", setNumber,
            $"B10*{planned.Shipment.ProNumber}*{planned.Shipment.Id}*{planned.Carrier.Scac}",
            "LX*1",
            $"AT7*{code}*{reason}***{at:yyyyMMdd}*{at:HHmm}*UT",
            "MS1*Dallas*TX*USA");
    }

    /// <summary>A 210 billing one charge line (the fuel surcharge, code FUE) for one shipment.</summary>
    public static string Invoice210(int setNumber, PlannedCharge charge, DateTimeOffset invoiceDate)
    {
        ArgumentNullException.ThrowIfNull(charge);
        var cents = decimal.ToInt64(charge.Amount * 100).ToString(CultureInfo.InvariantCulture);
        return Set("210", setNumber,
            $"B3**FI-{charge.Shipment.Id}*{charge.Shipment.Id}*PP**{invoiceDate:yyyyMMdd}*{cents}",
            "C3*USD",
            "LX*1",
            "L5*1*Fuel surcharge",
            $"L1*1***{cents}****FUE",
            $"L3*****{cents}");
    }

    private static string Set(string type, int setNumber, params string[] body)
    {
        var control = setNumber.ToString("D4", CultureInfo.InvariantCulture);
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"ST*{type}*{control}~");
        foreach (var segment in body)
        {
            text.Append(segment).Append('~');
        }

        // SE01 counts the segments from ST to SE, both included.
        return text.Append(CultureInfo.InvariantCulture, $"SE*{body.Length + 2}*{control}~").ToString();
    }
}
