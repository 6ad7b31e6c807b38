using System.Text.Json.Nodes;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// Records charges as the business sends them: finance the rated linehaul, the carrier its fuel surcharge (JSON with its
/// key, or an X12 210 from a carrier on EDI). Each charge the grid acknowledged (recorded, or already recorded) goes to
/// the ledger under the grid's charge id.
/// </summary>
internal sealed class ChargeSender(GridClient grid, AcknowledgementLedger ledger, RunKeys keys, TimeProvider clock)
{
    /// <summary>Whether the charge goes in a 210 rather than as JSON.</summary>
    public static bool ByEdi(PlannedCharge charge)
    {
        ArgumentNullException.ThrowIfNull(charge);
        return charge.Kind == ChargeKind.FuelSurcharge && charge.Shipment.Carrier.Route == EventRoute.Edi;
    }

    public async Task SendAsync(PlannedCharge charge)
    {
        ArgumentNullException.ThrowIfNull(charge);
        var shipment = charge.Shipment;
        var (key, source) = charge.Kind == ChargeKind.Linehaul ? (keys.Finance, "Rating") : (keys.Carriers[shipment.Carrier.Id], "CarrierInvoice");
        var body = new JsonObject
        {
            ["chargeId"] = charge.ChargeId,
            ["type"] = charge.Kind.ToString(),
            ["amount"] = new JsonObject { ["amount"] = charge.Amount, ["currency"] = "USD" },
            ["source"] = source,
            ["sourceReference"] = $"REF-{charge.ChargeId}",
        };
        var answer = await grid.WriteAsync(RunMetrics.Operations.Charge, key, HttpMethod.Post, $"api/v1/shipments/{shipment.Id}/charges", body.ToJsonString());
        Settle(answer, [charge], _ => (charge.ChargeId, "Applied"));
    }

    /// <summary>Fuel surcharges of one carrier's shipments as one interchange of 210 sets.</summary>
    public async Task SendEdiAsync(CarrierPlan carrier, IReadOnlyList<PlannedCharge> charges, int controlNumber)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        ArgumentNullException.ThrowIfNull(charges);
        var now = clock.GetUtcNow();
        var interchange = X12Documents.Interchange(
            carrier, controlNumber, "IM", [.. charges.Select((charge, i) => X12Documents.Invoice210(i + 1, charge, now.AddDays(-1)))], now);
        var answer = await grid.WriteAsync(RunMetrics.Operations.Edi210, keys.Carriers[carrier.Id], HttpMethod.Post, "api/v1/edi", interchange, charges.Count, "application/edi-x12");
        var results = answer.Body?["charges"]?.AsArray() ?? [];
        Settle(answer, charges, charge => results.FirstOrDefault(result => (string?)result?["shipmentId"] == charge.Shipment.Id) is { } result
            ? ((string)result["chargeId"]!, (string?)result["outcome"])
            : (null, null));
    }

    private void Settle(GridAnswer answer, IReadOnlyList<PlannedCharge> charges, Func<PlannedCharge, (string? ChargeId, string? Outcome)> outcomeOf)
    {
        if (answer.Unanswered)
        {
            foreach (var charge in charges)
            {
                ledger.Uncertain(charge.Shipment.Id);
            }

            return;
        }

        if (!answer.Acknowledged)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var acknowledged = 0;
        foreach (var charge in charges)
        {
            var (chargeId, outcome) = outcomeOf(charge);
            if (chargeId is null || outcome is not ("Applied" or "Duplicate"))
            {
                grid.Metrics.Error(chargeId is null ? "charge not answered (its EDI set was refused)" : $"charge rejected: {outcome}");
                continue;
            }

            ledger.Charge(charge.Shipment.Id, chargeId, charge.Kind, charge.Amount, now);
            acknowledged++;
        }

        grid.Metrics.Acknowledged(acknowledged);
    }
}
