using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// Carrier milestones and delivery exceptions over HTTP: one event or a batch. Events are grouped by
/// shipment so each shipment makes one durable append per request; the answer says, per event, whether it
/// was accepted, a duplicate, or rejected and why.
/// </summary>
internal static class CarrierEventEndpoints
{
    private const int MaxBatch = 1000;

    public static RouteGroupBuilder MapCarrierEvents(this RouteGroupBuilder api)
    {
        api.MapPost("/carrier-events", RecordAsync)
            .WithTags("Carrier events")
            .WithName("RecordCarrierEvents")
            .WithSummary("Records one carrier event or a batch (a JSON array); answers per event.")
            .Accepts<CarrierEventRequest[]>("application/json");
        return api;
    }

    private static async Task<Results<Ok<CarrierEventResults>, ValidationProblem>> RecordAsync(
        JsonElement body, IGrainFactory grains, TimeProvider clock, IOptions<JsonOptions> json)
    {
        CarrierEventRequest?[] requests;
        try
        {
            requests = body.ValueKind == JsonValueKind.Array
                ? body.Deserialize<CarrierEventRequest?[]>(json.Value.SerializerOptions) ?? []
                : [body.Deserialize<CarrierEventRequest>(json.Value.SerializerOptions)];
        }
        catch (JsonException exception)
        {
            return Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(exception.Path ?? "body", [exception.Message]));
        }

        if (requests.Length is 0 or > MaxBatch)
        {
            return Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("body", [$"Send between 1 and {MaxBatch} events."]));
        }

        var receivedAt = clock.GetUtcNow();
        var results = new CarrierEventResult[requests.Length];
        var byShipment = new Dictionary<string, List<(int Index, CarrierEvent Event)>>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Length; i++)
        {
            if (requests[i]?.ToCarrierEvent(receivedAt) is not { } carrierEvent || string.IsNullOrWhiteSpace(carrierEvent.ShipmentId))
            {
                results[i] = CarrierEventResult.Invalid(requests[i], "shipmentId", "Required.");
                continue;
            }

            if (!byShipment.TryGetValue(carrierEvent.ShipmentId, out var group))
            {
                byShipment[carrierEvent.ShipmentId] = group = [];
            }

            group.Add((i, carrierEvent));
        }

        await Task.WhenAll(byShipment.Select(async pair =>
        {
            var outcomes = await grains.GetGrain<IShipmentGrain>(pair.Key).RecordCarrierEvents([.. pair.Value.Select(item => item.Event)]);
            for (var j = 0; j < pair.Value.Count; j++)
            {
                results[pair.Value[j].Index] = CarrierEventResult.From(pair.Value[j].Event, outcomes[j]);
            }
        }));
        return TypedResults.Ok(new CarrierEventResults([.. results]));
    }
}

/// <summary>A carrier event as partners send it; the grid stamps received-at and the source.</summary>
internal sealed record CarrierEventRequest(
    string? EventId,
    string? CarrierId,
    string? ShipmentId,
    MilestoneType? Milestone,
    ExceptionKind? DeliveryException,
    DateTimeOffset? OccurredAt,
    Location? Location,
    string? ReasonCode,
    string? Notes,
    bool? DetentionReported,
    int? SchemaVersion)
{
    public CarrierEvent ToCarrierEvent(DateTimeOffset receivedAt) => new(
        EventId ?? string.Empty,
        CarrierId ?? string.Empty,
        ShipmentId ?? string.Empty,
        Milestone,
        DeliveryException,
        OccurredAt ?? default,
        receivedAt,
        Location,
        ReasonCode,
        Notes,
        EventSource.Api,
        SchemaVersion ?? CarrierEvent.CurrentSchemaVersion,
        DetentionReported ?? false);
}

internal enum CarrierEventOutcome
{
    Accepted,
    Duplicate,
    Rejected,
}

internal sealed record CarrierEventResult(
    string? EventId,
    string? ShipmentId,
    CarrierEventOutcome Outcome,
    string? Reason,
    IReadOnlyDictionary<string, ImmutableArray<string>>? Errors)
{
    public static CarrierEventResult Invalid(CarrierEventRequest? request, string field, string message) =>
        new(request?.EventId, request?.ShipmentId, CarrierEventOutcome.Rejected, "Validation failed.",
            ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(field, [message]));

    public static CarrierEventResult From(CarrierEvent carrierEvent, CommandResult result) => new(
        carrierEvent.EventId,
        carrierEvent.ShipmentId,
        result.Outcome switch
        {
            CommandOutcome.Applied => CarrierEventOutcome.Accepted,
            CommandOutcome.Duplicate => CarrierEventOutcome.Duplicate,
            _ => CarrierEventOutcome.Rejected,
        },
        result.Reason,
        result.Errors.IsEmpty ? null : result.Errors);
}

internal sealed record CarrierEventResults(ImmutableArray<CarrierEventResult> Results);
