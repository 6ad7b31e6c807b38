using System.Text.Json.Nodes;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>The keys a run holds: the admin's, an operations and a finance key it minted, and one per carrier.</summary>
internal sealed record RunKeys(string Admin, string Operations, string Finance, IReadOnlyDictionary<string, string> Carriers);

/// <summary>
/// One request's worth of a carrier's events: a JSON array for <c>/carrier-events</c> or <c>/carrier-events/stream</c>,
/// or an interchange of 214 sets (one per event) under <see cref="ControlNumber"/> for <c>/edi</c>.
/// </summary>
internal sealed record EventBatch(CarrierPlan Carrier, IReadOnlyList<PlannedEvent> Events, int ControlNumber);

/// <summary>
/// Sends carrier events over the carrier's route with the carrier's own key and records in the ledger each one the grid
/// acknowledged (Accepted, Duplicate, Queued); a refused event counts as an error of its rejection.
/// </summary>
internal sealed class CarrierEventSender(GridClient grid, AcknowledgementLedger ledger, RunKeys keys, TimeProvider clock)
{
    public async Task SendAsync(EventBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var carrier = batch.Carrier;
        var key = keys.Carriers[carrier.Id];
        GridAnswer answer;
        JsonArray? results;
        if (carrier.Route == EventRoute.Edi)
        {
            var interchange = X12Documents.Interchange(
                carrier, batch.ControlNumber, "QM", [.. batch.Events.Select((planned, i) => X12Documents.Status214(i + 1, planned))], clock.GetUtcNow());
            answer = await grid.WriteAsync(RunMetrics.Operations.Edi214, key, HttpMethod.Post, "api/v1/edi", interchange, batch.Events.Count, "application/edi-x12");
            results = answer.Body?["events"]?.AsArray();
        }
        else
        {
            var body = new JsonArray([.. batch.Events.Select(Json)]);
            var (operation, path) = carrier.Route == EventRoute.Stream
                ? (RunMetrics.Operations.EventsStream, "api/v1/carrier-events/stream")
                : (RunMetrics.Operations.EventsJson, "api/v1/carrier-events");
            answer = await grid.WriteAsync(operation, key, HttpMethod.Post, path, body.ToJsonString(), batch.Events.Count);
            results = answer.Body?["results"]?.AsArray();
        }

        if (answer.Unanswered)
        {
            foreach (var planned in batch.Events)
            {
                ledger.Uncertain(planned.Shipment.Id);
            }

            return;
        }

        if (!answer.Acknowledged)
        {
            return;
        }

        Record(batch, results ?? []);
    }

    /// <summary>
    /// Matches the answers to the events sent: by event id for JSON, by shipment for EDI (an interchange holds at most one
    /// status per shipment, and the grid derives the event id from the status's content).
    /// </summary>
    private void Record(EventBatch batch, JsonArray results)
    {
        var now = clock.GetUtcNow();
        var acknowledged = 0;
        foreach (var planned in batch.Events)
        {
            var result = results.FirstOrDefault(result => batch.Carrier.Route == EventRoute.Edi
                ? (string?)result?["shipmentId"] == planned.Shipment.Id
                : (string?)result?["eventId"] == planned.EventId);
            var outcome = (string?)result?["outcome"];
            if (result is null || !Enum.TryParse<EventAcknowledgement>(outcome, out var acknowledgement))
            {
                grid.Metrics.Error(result is null
                    ? "event not answered (its EDI set was refused)"
                    : $"event rejected: {(string?)result["rejection"] ?? outcome}");
                continue;
            }

            ledger.Event(new AcknowledgedEvent(
                batch.Carrier.Id, (string)result["eventId"]!, planned.Shipment.Id, batch.Carrier.Route, acknowledgement, planned.Step, now));
            acknowledged++;
        }

        grid.Metrics.Acknowledged(acknowledged, batch.Carrier.Route, acknowledged);
    }

    private static JsonObject Json(PlannedEvent planned)
    {
        var body = new JsonObject
        {
            ["eventId"] = planned.EventId,
            ["carrierId"] = planned.Carrier.Id,
            ["shipmentId"] = planned.Shipment.Id,
            ["occurredAt"] = planned.OccurredAt,
            ["location"] = new JsonObject { ["city"] = "Dallas", ["state"] = "TX", ["country"] = "US" },
        };
        if (planned.Milestone is { } milestone)
        {
            body["milestone"] = milestone.ToString();
        }
        else
        {
            body["deliveryException"] = planned.Exception;
            body["reasonCode"] = "BG";
            body["notes"] = $"{planned.Exception} reported for {planned.Shipment.Id}";
        }

        return body;
    }
}
