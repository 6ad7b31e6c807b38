using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ShipmentGrid.Access;
using ShipmentGrid.Api.Access;
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
            .WithMetadata(BodyLimit.CarrierEventBatch)
            .WithSummary("Records one carrier event or a batch (a JSON array); answers per event. A carrier's key sends only under its own carrier id.")
            .RequireAuthorization(AccessPolicies.CarrierEvents)
            .Accepts<CarrierEventRequest[]>("application/json");
        api.MapPost("/carrier-events/stream", EnqueueAsync)
            .WithTags("Carrier events")
            .WithName("StreamCarrierEvents")
            .WithMetadata(BodyLimit.CarrierEventBatch)
            .WithSummary("Queues one carrier event or a batch in the journal; 202 once durably committed. "
                + "Each event is applied exactly once shortly after; rejected events land in the carrier's dead letters.")
            .RequireAuthorization(AccessPolicies.CarrierEvents)
            .Accepts<CarrierEventRequest[]>("application/json");
        api.MapGet("/carrier-events/{carrierId}/{eventId}", GetQueuedOutcomeAsync)
            .WithTags("Carrier events")
            .WithName("GetQueuedCarrierEventOutcome")
            .WithSummary("The outcome of an event sent to /carrier-events/stream, by the carrier's event id: Queued, then Accepted "
                + "(in its shipment's history once) or Rejected with the reason; 404 for an event never queued.");
        return api;
    }

    private static async Task<Results<Ok<QueuedEventOutcome>, ProblemHttpResult>> GetQueuedOutcomeAsync(
        string carrierId, string eventId, IQueuedEventOutcomes outcomes, CancellationToken cancellationToken) =>
        await outcomes.FindAsync(carrierId, eventId, cancellationToken) is { } outcome
            ? TypedResults.Ok(outcome)
            : Problems.NotFound("queued-event", $"{carrierId}/{eventId}");

    private static async Task<Results<Accepted<CarrierEventResults>, ValidationProblem, ProblemHttpResult>> EnqueueAsync(
        JsonElement body, HttpContext context, IGrainFactory grains, TimeProvider clock, IOptions<JsonOptions> json, RateLimits limits)
    {
        var parsed = Parse(body, json.Value.SerializerOptions, clock.GetUtcNow(), EventSource.Stream, context.Caller());
        if (parsed.Problem is not null)
        {
            return parsed.Problem;
        }

        if (limits.TryTakeItems(context, parsed.Results.Length) is { } retryAfter)
        {
            return RateLimits.TooMany(context, retryAfter);
        }

        await grains.GetGrain<ICarrierEventIntakeGrain>(0).Enqueue([.. parsed.ByShipment.Values.SelectMany(group => group).Select(item => item.Event)]);
        foreach (var item in parsed.ByShipment.Values.SelectMany(group => group))
        {
            parsed.Results[item.Index] = new CarrierEventResult(item.Event.EventId, item.Event.ShipmentId, CarrierEventOutcome.Queued, null, null);
        }

        return TypedResults.Accepted((string?)null, new CarrierEventResults([.. parsed.Results]));
    }

    /// <summary>
    /// Reads the batch and groups it by shipment. An event under a carrier id the key does not hold is refused here,
    /// alone (forbidden): it reaches no shipment, dead letter or KPI of that carrier.
    /// </summary>
    private static ParsedEvents Parse(JsonElement body, JsonSerializerOptions options, DateTimeOffset receivedAt, EventSource source, Caller caller)
    {
        CarrierEventRequest?[] requests;
        try
        {
            requests = body.ValueKind == JsonValueKind.Array
                ? body.Deserialize<CarrierEventRequest?[]>(options) ?? []
                : [body.Deserialize<CarrierEventRequest>(options)];
        }
        catch (JsonException exception)
        {
            var (field, expected) = BindingErrors.Describe(exception);
            return ParsedEvents.Invalid(field, expected);
        }

        if (requests.Length is 0 or > MaxBatch)
        {
            return ParsedEvents.Invalid("body", $"Send between 1 and {MaxBatch} events.");
        }

        if (Array.FindIndex(requests, request => request is null) is >= 0 and var missing)
        {
            return ParsedEvents.Invalid(body.ValueKind == JsonValueKind.Array ? $"[{missing}]" : "body", "A carrier event object, not null.");
        }

        // Texts beyond their bounds refuse the whole request: such an event must not be journaled or dead-lettered.
        var events = requests.Select(request => request?.ToCarrierEvent(receivedAt, source)).ToArray();
        var tooLong = events
            .SelectMany((carrierEvent, i) => carrierEvent is null
                ? []
                : ShipmentValidation.ValidateLengths(carrierEvent).Select(error => (Field: body.ValueKind == JsonValueKind.Array ? $"[{i}].{error.Key}" : error.Key, error.Value)))
            .ToImmutableDictionary(error => error.Field, error => error.Value, StringComparer.Ordinal);
        if (!tooLong.IsEmpty)
        {
            return new ParsedEvents([], [], Problems.Validation(tooLong));
        }

        var results = new CarrierEventResult[requests.Length];
        var byShipment = new Dictionary<string, List<(int Index, CarrierEvent Event)>>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Length; i++)
        {
            if (events[i] is not { } carrierEvent || string.IsNullOrWhiteSpace(carrierEvent.ShipmentId))
            {
                results[i] = CarrierEventResult.Invalid(requests[i], "shipmentId", "Required.");
                continue;
            }

            if (!caller.IsAdmin && !caller.IsCarrier(carrierEvent.CarrierId))
            {
                results[i] = CarrierEventResult.Forbidden(carrierEvent);
                continue;
            }

            if (!byShipment.TryGetValue(carrierEvent.ShipmentId, out var group))
            {
                byShipment[carrierEvent.ShipmentId] = group = [];
            }

            group.Add((i, carrierEvent));
        }

        return new ParsedEvents(results, byShipment, null);
    }

    private static async Task<Results<Ok<CarrierEventResults>, ValidationProblem, ProblemHttpResult>> RecordAsync(
        JsonElement body, HttpContext context, IGrainFactory grains, TimeProvider clock, IOptions<JsonOptions> json, RateLimits limits)
    {
        var parsed = Parse(body, json.Value.SerializerOptions, clock.GetUtcNow(), EventSource.Api, context.Caller());
        if (parsed.Problem is not null)
        {
            return parsed.Problem;
        }

        if (limits.TryTakeItems(context, parsed.Results.Length) is { } retryAfter)
        {
            return RateLimits.TooMany(context, retryAfter);
        }

        var results = parsed.Results;
        await Task.WhenAll(parsed.ByShipment.Select(async pair =>
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
    public CarrierEvent ToCarrierEvent(DateTimeOffset receivedAt, EventSource source) => new(
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
        source,
        SchemaVersion ?? CarrierEvent.CurrentSchemaVersion,
        DetentionReported ?? false);
}

internal enum CarrierEventOutcome
{
    Accepted,
    Duplicate,
    Rejected,

    /// <summary>Durably queued on the shipment's stream; the outcome follows asynchronously.</summary>
    Queued,
}

/// <summary>One event's answer; <see cref="Rejection"/> names why a rejected one was refused (e.g. forbidden, shipment-not-booked).</summary>
internal sealed record CarrierEventResult(
    string? EventId,
    string? ShipmentId,
    CarrierEventOutcome Outcome,
    string? Reason,
    IReadOnlyDictionary<string, ImmutableArray<string>>? Errors,
    string? Rejection = null)
{
    public static CarrierEventResult Invalid(CarrierEventRequest? request, string field, string message) =>
        new(request?.EventId, request?.ShipmentId, CarrierEventOutcome.Rejected, "Validation failed.",
            ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(field, [message]), Problems.Slug(RejectionCode.ValidationFailed));

    public static CarrierEventResult Forbidden(CarrierEvent carrierEvent) =>
        new(carrierEvent.EventId, carrierEvent.ShipmentId, CarrierEventOutcome.Rejected,
            $"This key may not send events for carrier '{carrierEvent.CarrierId}'.", null, Problems.Slug(RejectionCode.Forbidden));

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
        result.Errors.IsEmpty ? null : result.Errors,
        result.Outcome == CommandOutcome.Rejected ? Problems.Slug(result.Rejection) : null);
}

internal sealed record CarrierEventResults(ImmutableArray<CarrierEventResult> Results);

internal sealed record ParsedEvents(
    CarrierEventResult[] Results,
    Dictionary<string, List<(int Index, CarrierEvent Event)>> ByShipment,
    ValidationProblem? Problem)
{
    public static ParsedEvents Invalid(string field, string message) =>
        new([], [], Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add(field, [message])));
}
