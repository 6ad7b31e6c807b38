using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Billing;
using ShipmentGrid.Edi;
using ShipmentGrid.Observability;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// EDI X12 in: a carrier posts an interchange (214 statuses, 210 freight invoices) and gets a JSON summary with the 997
/// functional acknowledgement, or the 997 itself when it asks for <c>application/edi-x12</c>. Statuses become carrier
/// events and invoice lines become charges, through the same shipment grains as JSON; a control number seen before is
/// answered again from the kept interchange without processing it twice. <c>validateOnly=true</c> checks a file without effect.
/// </summary>
internal static class EdiEndpoints
{
    private const string X12 = "application/edi-x12";

    public static RouteGroupBuilder MapEdi(this RouteGroupBuilder api)
    {
        var edi = api.MapGroup("/edi").WithTags("EDI");
        edi.MapPost("/", ReceiveAsync)
            .WithName("ReceiveEdiInterchange")
            .WithSummary("Receives an X12 interchange (214, 210; versions 003070, 004010, 005010) from a carrier's key; answers a summary with the 997, "
                + "or the 997 alone with Accept: application/edi-x12. validateOnly=true checks it without effect.")
            .Accepts<string>(X12, "text/plain")
            .WithMetadata(BodyLimit.CarrierEventBatch)
            .RequireAuthorization(AccessPolicies.CarrierEvents);
        edi.MapGet("/{carrierId}/{controlNumber}", GetAsync)
            .WithName("GetEdiInterchange")
            .WithSummary("A received interchange by its control number: the raw X12, the 997 answered and the summary.");
        return api;
    }

    private static async Task<IResult> ReceiveAsync(
        HttpContext context,
        IGrainFactory grains,
        IEdiInterchanges interchanges,
        IReadModels readModels,
        GridMetrics metrics,
        TimeProvider clock,
        RateLimits limits,
        IOptions<JsonOptions> json,
        CancellationToken cancellationToken,
        bool validateOnly = false,
        string? carrierId = null)
    {
        var caller = context.Caller();
        carrierId ??= caller.CarrierIds.Length == 1 ? caller.CarrierIds[0] : null;
        if (carrierId is null || !(caller.IsAdmin || caller.IsCarrier(carrierId)))
        {
            return Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("carrierId", ["Send with the carrier's own key (or name carrierId as an admin)."]));
        }

        using var reader = new StreamReader(context.Request.Body, Encoding.Latin1);
        var raw = await reader.ReadToEndAsync(cancellationToken);
        if (await grains.GetGrain<ICarrierGrain>(carrierId).GetProfile() is not { } carrier)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status422UnprocessableEntity,
                title: $"Register carrier {carrierId} and its code mappings (PUT /api/v1/carriers/{carrierId}) before it sends EDI.",
                type: "https://shipment-grid.dev/problems/carrier-not-registered");
        }

        var now = clock.GetUtcNow();
        var profile = carrier.Profile;
        var senders = CarrierCodes.SendersOf(profile).Add(profile.Scac).Add(profile.CarrierId);
        var result = EdiIntake.Read(raw, new EdiIntakeContext(profile, senders, profile.TimeZone, now));
        if (!result.Accepted)
        {
            return Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("interchange", [result.Rejection!]));
        }

        var options = json.Value.SerializerOptions;
        if (!validateOnly && await interchanges.FindAsync(carrierId, result.ControlNumber!, cancellationToken) is { } seen)
        {
            return Replayed(context, seen);
        }

        var acknowledgement = FunctionalAcknowledgement.Write(result, ControlNumbersFor(carrierId, result.ControlNumber!), now);
        var events = ImmutableArray<CarrierEventResult>.Empty;
        var charges = ImmutableArray<EdiChargeResult>.Empty;
        if (!validateOnly)
        {
            var (carrierEvents, unresolved) = await ResolveShipmentsAsync(readModels, carrierId, result.Statuses, cancellationToken);
            if (limits.TryTakeItems(context, carrierEvents.Count + result.Charges().Count()) is { } retryAfter)
            {
                return RateLimits.TooMany(context, retryAfter);
            }

            if (unresolved.Count > 0)
            {
                await readModels.ApplyAsync(
                    [.. unresolved.SelectMany(letter => DeadLetters.Keep(letter.Event, letter.Reason, now, RejectionCode.ShipmentNotBooked, letter.Reference))],
                    cancellationToken);
                foreach (var letter in unresolved)
                {
                    metrics.CarrierEventDecided(letter.Event, CommandOutcome.Rejected, RejectionCode.ShipmentNotBooked, deadLettered: true);
                }
            }

            events = [.. unresolved.Select(letter => letter.Result), .. await RecordEventsAsync(grains, carrierEvents)];
            charges = await RecordChargesAsync(grains, result.Charges().ToList());
        }

        var summary = JsonSerializer.SerializeToElement(
            new EdiReceipt(result.ControlNumber!, result.SenderId, validateOnly, result.Groups, events, charges, result.Warnings, acknowledgement), options);
        // A copy sent at the same time (a partner's retry while this one was under way) may have been kept first: then this
        // copy is answered as that one was, so the partner holds the very 997 and summary the grid keeps for the control number.
        if (!validateOnly
            && !await interchanges.TryAddAsync(new StoredInterchange(carrierId, result.ControlNumber!, now, raw, acknowledgement, summary.GetRawText()), cancellationToken)
            && await interchanges.FindAsync(carrierId, result.ControlNumber!, cancellationToken) is { } kept)
        {
            return Replayed(context, kept);
        }

        return Answer(context, acknowledgement, summary);
    }

    /// <summary>The answer an interchange got when it was kept, for a copy of it sent again.</summary>
    private static IResult Replayed(HttpContext context, StoredInterchange kept)
    {
        context.Response.Headers["X-Interchange-Replayed"] = "true";
        return Answer(context, kept.Acknowledgement, JsonSerializer.Deserialize<JsonElement>(kept.Summary));
    }

    private static async Task<Results<Ok<EdiInterchangeView>, ProblemHttpResult>> GetAsync(
        string carrierId, string controlNumber, IEdiInterchanges interchanges, CancellationToken cancellationToken) =>
        await interchanges.FindAsync(carrierId, controlNumber, cancellationToken) is { } stored
            ? TypedResults.Ok(new EdiInterchangeView(
                stored.CarrierId, stored.ControlNumber, stored.ReceivedAt, stored.Raw, stored.Acknowledgement, JsonSerializer.Deserialize<JsonElement>(stored.Summary)))
            : Problems.NotFound("edi-interchange", $"{carrierId}/{controlNumber}");

    private static IResult Answer(HttpContext context, string? acknowledgement, JsonElement summary) =>
        acknowledgement is not null && context.Request.Headers.Accept.Any(accept => accept?.Contains(X12, StringComparison.OrdinalIgnoreCase) == true)
            ? Results.Text(acknowledgement, X12, Encoding.Latin1)
            : Results.Json(summary);

    /// <summary>
    /// The events to record, each with its shipment: B1002 when the set names it, otherwise the shipment the carrier's
    /// PRO or bill of lading is indexed under (written by the booking, so a status right after a booking finds it).
    /// A status naming no booked shipment is answered as one for an unknown shipment, and dead-lettered (by the caller,
    /// once the events are admitted) with the reference it named, so a replay after the booking finds the shipment.
    /// </summary>
    private static async Task<(List<CarrierEvent> Events, List<Unresolved> Unresolved)> ResolveShipmentsAsync(
        IReadModels readModels, string carrierId, ImmutableArray<EdiShipmentStatus> statuses, CancellationToken cancellationToken)
    {
        var events = new List<CarrierEvent>();
        var unresolved = new List<Unresolved>();
        foreach (var status in statuses.Where(status => status.Event is not null))
        {
            if (status.ShipmentId.Length > 0)
            {
                events.Add(status.Event!);
                continue;
            }

            var found = (status.ProNumber is { } pro ? await readModels.FindShipmentsAsync(ShipmentReferenceKind.ProNumber, pro, carrierId, 1, cancellationToken) : [])
                is [var byPro, ..] ? byPro
                : (status.BillOfLading is { } bol ? await readModels.FindShipmentsAsync(ShipmentReferenceKind.BillOfLading, bol, carrierId, 1, cancellationToken) : [])
                    is [var byBol, ..] ? byBol : null;
            if (found is not null)
            {
                events.Add(status.Event! with { ShipmentId = found.ShipmentId });
            }
            else
            {
                var reference = status.ProNumber is { } number
                    ? new ShipmentReference(ShipmentReferenceKind.ProNumber, number)
                    : status.BillOfLading is { } lading ? new ShipmentReference(ShipmentReferenceKind.BillOfLading, lading) : null;
                unresolved.Add(new Unresolved(
                    status.Event!, reference, $"No booked shipment of carrier {carrierId} has PRO '{status.ProNumber}' or bill of lading '{status.BillOfLading}'."));
            }
        }

        return (events, unresolved);
    }

    /// <summary>A status whose shipment no reference found: its event, the reference it named (PRO first), and why.</summary>
    private sealed record Unresolved(CarrierEvent Event, ShipmentReference? Reference, string Reason)
    {
        public CarrierEventResult Result => new(Event.EventId, null, CarrierEventOutcome.Rejected, Reason, null, Problems.Slug(RejectionCode.ShipmentNotBooked));
    }

    private static async Task<ImmutableArray<CarrierEventResult>> RecordEventsAsync(IGrainFactory grains, List<CarrierEvent> carrierEvents)
    {
        var results = await Task.WhenAll(carrierEvents.GroupBy(carrierEvent => carrierEvent.ShipmentId, StringComparer.Ordinal).Select(async group =>
        {
            var batch = group.ToImmutableArray();
            var outcomes = await grains.GetGrain<IShipmentGrain>(group.Key).RecordCarrierEvents(batch);
            return batch.Select((carrierEvent, i) => CarrierEventResult.From(carrierEvent, outcomes[i]));
        }));
        return [.. results.SelectMany(group => group)];
    }

    /// <summary>
    /// Records the charges of all shipments at once, and one shipment's in the file's order (so its adjustments are
    /// numbered as the file lists them); answers in the file's order.
    /// </summary>
    private static async Task<ImmutableArray<EdiChargeResult>> RecordChargesAsync(IGrainFactory grains, List<(string ShipmentId, Charge Charge)> charges)
    {
        var results = new EdiChargeResult[charges.Count];
        await Task.WhenAll(charges
            .Select((entry, index) => (entry.ShipmentId, entry.Charge, Index: index))
            .GroupBy(entry => entry.ShipmentId, StringComparer.Ordinal)
            .Select(async shipmentCharges =>
            {
                var shipment = grains.GetGrain<IShipmentGrain>(shipmentCharges.Key);
                foreach (var (shipmentId, charge, index) in shipmentCharges)
                {
                    var outcome = await shipment.RecordCharge(charge);
                    results[index] = new EdiChargeResult(
                        shipmentId, charge.ChargeId, outcome.Outcome, outcome.Outcome == CommandOutcome.Rejected ? outcome.Reason : null);
                }
            }));
        return [.. results];
    }

    /// <summary>The 997's own control numbers, the same for the same interchange, so a resent file is acknowledged identically.</summary>
    private static AckControlNumbers ControlNumbersFor(string carrierId, string controlNumber)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(carrierId + "\n" + controlNumber));
        var number = (int)(BitConverter.ToUInt32(hash, 0) % 999_999_999) + 1;
        return new AckControlNumbers(number, number, 1);
    }
}

/// <summary>What one interchange did: its groups and sets with their outcomes, each event and charge answered, and the 997.</summary>
internal sealed record EdiReceipt(
    string ControlNumber,
    string? SenderId,
    bool ValidateOnly,
    ImmutableArray<EdiGroupResult> Groups,
    ImmutableArray<CarrierEventResult> Events,
    ImmutableArray<EdiChargeResult> Charges,
    ImmutableArray<string> Warnings,
    string? Acknowledgement);

internal sealed record EdiChargeResult(string ShipmentId, string ChargeId, CommandOutcome Outcome, string? Reason);

internal sealed record EdiInterchangeView(
    string CarrierId, string ControlNumber, DateTimeOffset ReceivedAt, string Raw, string? Acknowledgement, JsonElement Summary);
