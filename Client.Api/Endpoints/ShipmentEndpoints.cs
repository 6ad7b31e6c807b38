using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Billing;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Api.Endpoints;

internal static class ShipmentEndpoints
{
    private const int MaxMatches = 50;

    /// <summary>The most bookings one batch request carries.</summary>
    public const int MaxBookingBatch = 500;

    public static RouteGroupBuilder MapShipments(this RouteGroupBuilder api)
    {
        var shipments = api.MapGroup("/shipments").WithTags("Shipments");
        shipments.MapPost("/", BookAsync)
            .WithName("BookShipment")
            .WithSummary("Books a shipment under the caller's id; repeating the same booking is idempotent. A customer's key books only its own.")
            .RequireAuthorization(AccessPolicies.Booking);
        shipments.MapPost("/batch", BookBatchAsync)
            .WithName("BookShipments")
            .WithMetadata(BodyLimit.BookingBatch)
            .WithSummary($"Books up to {MaxBookingBatch} shipments in one request (a JSON array) and answers per booking, in the request's order: "
                + "booked, duplicate (the same booking again) or rejected with the reason. Each booking is idempotent as on the single route.")
            .RequireAuthorization(AccessPolicies.Booking);
        shipments.MapGet("/", FindAsync)
            .WithName("FindShipments")
            .WithSummary("Finds booked shipments by one reference: the carrier's PRO (pro), the bill of lading (bol) or the purchase order (po), "
                + "optionally of one carrier; newest booking first, at most 50, only those the key may read.");
        shipments.MapGet("/{shipmentId}", GetAsync)
            .WithName("GetShipment")
            .WithSummary("Reads a shipment with its status, timeline, charges and billing state.");
        shipments.MapPost("/{shipmentId}/charges", RecordChargeAsync)
            .WithName("RecordCharge")
            .WithSummary("Adds a charge (linehaul, fuel surcharge, accessorial); the charge id makes it idempotent.");
        shipments.MapPost("/{shipmentId}/charges/{chargeId}/void", VoidChargeAsync)
            .WithName("VoidCharge")
            .WithSummary("Voids a charge recorded in error, optionally replacing it with a corrected one (a new charge id). Before the invoice, "
                + "readiness is judged again without it; after it, a credit note (a reduction) or supplementary invoice (an increase) bills the difference.")
            .RequireAuthorization(AccessPolicies.Finance);
        shipments.MapGet("/{shipmentId}/history", GetHistoryAsync)
            .WithName("GetShipmentHistory")
            .WithSummary("Every event the shipment recorded, oldest first: the source of truth behind its state.");
        api.MapPost("/admin/shipments/{shipmentId}/rebuild", RebuildAsync)
            .WithTags("Admin")
            .WithName("RebuildShipment")
            .WithSummary("Rebuilds a shipment from its recorded events and re-drives its idempotent follow-up and read models (not its KPIs) with them.")
            .RequireAuthorization(AccessPolicies.Admin);
        return api;
    }

    private static async Task<Results<Ok<ImmutableArray<RecordedEvent>>, ProblemHttpResult>> GetHistoryAsync(string shipmentId, IGrainFactory grains)
    {
        var history = await grains.GetGrain<IShipmentGrain>(shipmentId).GetHistory();
        return history.IsEmpty
            ? Problems.NotFound("shipment", shipmentId)
            : TypedResults.Ok(history.Select((recorded, index) => new RecordedEvent(index + 1, recorded.GetType().Name, recorded.EventId, recorded.OccurredAt, recorded)).ToImmutableArray());
    }

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> RebuildAsync(
        string shipmentId, IGrainFactory grains, IReadModels readModels, CancellationToken cancellationToken)
    {
        var shipment = grains.GetGrain<IShipmentGrain>(shipmentId);
        var view = await shipment.Rebuild();
        if (view is null)
        {
            return Problems.NotFound("shipment", shipmentId);
        }

        // Followers and read-model rows are idempotent by event id: re-driving the whole history repairs only what is
        // missing. KPI counters are not (they count each event once, with the reader's checkpoint), so they are left out.
        var history = await shipment.GetHistory();
        await grains.GetGrain<IShipmentFollowUpGrain>(shipmentId).Follow(history);
        await readModels.ApplyAsync(
            [.. history.SelectMany(ReadModelProjection.Project).Where(change => change is not (CountKpi or ObserveKpi))], cancellationToken);
        return TypedResults.Ok(view);
    }

    private static async Task<Results<Created<ShipmentView>, Ok<ShipmentView>, ProblemHttpResult, ValidationProblem>> RecordChargeAsync(
        string shipmentId, Charge charge, IGrainFactory grains)
    {
        var errors = ChargeValidation.Validate(charge);
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var shipment = grains.GetGrain<IShipmentGrain>(shipmentId);
        var result = await shipment.RecordCharge(charge);
        if (result.Outcome == CommandOutcome.Rejected)
        {
            return Problems.Rejected(result);
        }

        var view = await shipment.GetView() ?? throw new InvalidOperationException($"Shipment {shipmentId} vanished after a charge.");
        return result.Outcome == CommandOutcome.Applied
            ? TypedResults.Created($"/api/v1/shipments/{Uri.EscapeDataString(shipmentId)}", view)
            : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult, ValidationProblem>> VoidChargeAsync(
        string shipmentId, string chargeId, VoidChargeRequest request, IGrainFactory grains)
    {
        var keyErrors = new FieldErrors();
        keyErrors.Key("chargeId", chargeId, 128);
        var errors = ShipmentValidation.ValidateVoid(request.Reason).AddRange(keyErrors.ToImmutable());
        if (request.Replacement is { } replacement)
        {
            errors = errors.AddRange(ChargeValidation.Validate(replacement).Select(pair => KeyValuePair.Create("replacement." + pair.Key, pair.Value)));
        }

        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var shipment = grains.GetGrain<IShipmentGrain>(shipmentId);
        var result = await shipment.VoidCharge(chargeId, request.Reason!, request.Replacement);
        if (result.Outcome == CommandOutcome.Rejected)
        {
            return result.Rejection == RejectionCode.ChargeNotFound ? Problems.NotFound("charge", chargeId) : Problems.Rejected(result);
        }

        var view = await shipment.GetView() ?? throw new InvalidOperationException($"Shipment {shipmentId} vanished after a void.");
        return TypedResults.Ok(view);
    }

    private static async Task<Results<Created<ShipmentView>, Ok<ShipmentView>, ProblemHttpResult, ValidationProblem>> BookAsync(
        ShipmentBooking booking, IGrainFactory grains)
    {
        var errors = ShipmentValidation.Validate(booking);
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var shipment = grains.GetGrain<IShipmentGrain>(booking.ShipmentId);
        var result = await shipment.Book(booking);
        if (result.Outcome == CommandOutcome.Rejected)
        {
            return Problems.Rejected(result);
        }

        var view = await shipment.GetView() ?? throw new InvalidOperationException($"Shipment {booking.ShipmentId} vanished after booking.");
        return result.Outcome == CommandOutcome.Applied
            ? TypedResults.Created($"/api/v1/shipments/{Uri.EscapeDataString(booking.ShipmentId)}", view)
            : TypedResults.Ok(view);
    }

    /// <summary>
    /// Books each shipment of the batch at once, each on its own grain as the single route does, and answers per booking
    /// without the shipment's view (read it with GET when needed). The batch draws its size from the key's bucket of
    /// batched items. A malformed body, a batch of the wrong size or any booking that fails validation (a null, a
    /// missing field, a text beyond its bound) is refused whole with every failing field as <c>[i].field</c>, and books
    /// nothing: the caller fixes its file and sends it again. What only the grains can judge (an unknown customer, a
    /// shipment booked differently, a key booking another customer's shipment) is answered per booking.
    /// </summary>
    private static async Task<Results<Ok<BookingResults>, ValidationProblem, ProblemHttpResult>> BookBatchAsync(
        ShipmentBooking?[] bookings, HttpContext context, IGrainFactory grains, RateLimits limits)
    {
        if (bookings.Length is 0 or > MaxBookingBatch)
        {
            return Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("body", [$"Send between 1 and {MaxBookingBatch} bookings."]));
        }

        var invalid = bookings
            .SelectMany((booking, i) => booking is null
                ? [KeyValuePair.Create($"[{i}]", ImmutableArray.Create("A booking object, not null."))]
                : ShipmentValidation.Validate(booking).Select(error => KeyValuePair.Create($"[{i}].{error.Key}", error.Value)))
            .ToImmutableDictionary(StringComparer.Ordinal);
        if (!invalid.IsEmpty)
        {
            return Problems.Validation(invalid);
        }

        if (limits.TryTakeItems(context, bookings.Length) is { } retryAfter)
        {
            return RateLimits.TooMany(context, retryAfter);
        }

        var results = await Task.WhenAll(bookings.Select(async booking =>
            BookingResult.From(booking!.ShipmentId, await grains.GetGrain<IShipmentGrain>(booking.ShipmentId).Book(booking))));
        return TypedResults.Ok(new BookingResults([.. results]));
    }

    private static async Task<Results<Ok<ShipmentMatches>, ValidationProblem>> FindAsync(
        HttpContext context,
        IReadModels readModels,
        CancellationToken cancellationToken,
        string? pro = null,
        string? bol = null,
        string? po = null,
        string? carrierId = null)
    {
        (ShipmentReferenceKind Kind, string Field, string? Value)[] references =
            [(ShipmentReferenceKind.ProNumber, "pro", pro), (ShipmentReferenceKind.BillOfLading, "bol", bol), (ShipmentReferenceKind.PurchaseOrder, "po", po)];
        var given = references.Where(reference => reference.Value is not null).ToList();
        var errors = new FieldErrors();
        if (given.Count != 1)
        {
            errors.Add("pro", "Give exactly one of pro, bol or po.");
        }
        else
        {
            errors.Key(given[0].Field, given[0].Value, 128);
        }

        if (carrierId is not null)
        {
            errors.Identifier("carrierId", carrierId);
        }

        if (errors.ToImmutable() is { IsEmpty: false } invalid)
        {
            return Problems.Validation(invalid);
        }

        var caller = context.Caller();
        var matches = await readModels.FindShipmentsAsync(given[0].Kind, given[0].Value!, carrierId, MaxMatches, cancellationToken);
        return TypedResults.Ok(new ShipmentMatches([.. matches.Where(match => caller.CanReadShipment(match.CustomerId, match.CarrierId))]));
    }

    private static async Task<Results<Ok<ShipmentView>, ProblemHttpResult>> GetAsync(string shipmentId, IGrainFactory grains)
    {
        var view = await grains.GetGrain<IShipmentGrain>(shipmentId).GetView();
        return view is null ? Problems.NotFound("shipment", shipmentId) : TypedResults.Ok(view);
    }
}

internal enum BookingOutcome
{
    Booked,

    /// <summary>The same booking again: nothing changed.</summary>
    Duplicate,
    Rejected,
}

/// <summary>One booking's answer in a batch; <see cref="Rejection"/> names why a rejected one was refused (e.g. customer-not-found, already-booked-differently).</summary>
internal sealed record BookingResult(
    string ShipmentId,
    BookingOutcome Outcome,
    string? Reason,
    IReadOnlyDictionary<string, ImmutableArray<string>>? Errors,
    string? Rejection = null)
{

    public static BookingResult From(string shipmentId, CommandResult result) => new(
        shipmentId,
        result.Outcome switch
        {
            CommandOutcome.Applied => BookingOutcome.Booked,
            CommandOutcome.Duplicate => BookingOutcome.Duplicate,
            _ => BookingOutcome.Rejected,
        },
        result.Reason,
        result.Errors.IsEmpty ? null : result.Errors,
        result.Outcome == CommandOutcome.Rejected ? Problems.Slug(result.Rejection) : null);
}

/// <summary>A batch's answers, one per booking in the request's order.</summary>
internal sealed record BookingResults(ImmutableArray<BookingResult> Results);

/// <summary>The shipments a reference names that the caller may read.</summary>
internal sealed record ShipmentMatches(ImmutableArray<ShipmentMatch> Items);

/// <summary>One recorded event as the history endpoint shows it; <see cref="Event"/> is serialized with its own type's members.</summary>
internal sealed record RecordedEvent(int Version, string Type, string EventId, DateTimeOffset OccurredAt, object Event);

/// <summary>Why a charge is voided, and optionally the corrected charge that takes its place.</summary>
internal sealed record VoidChargeRequest(string? Reason, Charge? Replacement);
