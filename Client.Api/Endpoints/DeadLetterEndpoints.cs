using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// Dead letters across partners: one list filtered by partner, source, reason and age; replay of one or many once the
/// cause is fixed (idempotent: a letter no longer open is left as it is); discard with a reason.
/// </summary>
internal static class DeadLetterEndpoints
{
    private const int MaxItems = 100;
    private const int MaxReasonLength = 500;

    public static RouteGroupBuilder MapDeadLetters(this RouteGroupBuilder api)
    {
        var letters = api.MapGroup("/dead-letters").WithTags("Dead letters");
        letters.MapGet("/", ListAsync)
            .WithName("ListAllDeadLetters")
            .WithSummary("Dead letters of every partner, oldest first, filtered by partner, source, reason (the rejection), minimum age and status "
                + "(open by default); paged. A carrier's key sees its own.");
        letters.MapPost("/replay", ReplayAsync)
            .WithName("ReplayDeadLetters")
            .WithSummary("Replays up to 100 dead letters, each answered alone: Replayed, StillRejected (with the new reason), Discarded or NotFound.")
            .RequireAuthorization(AccessPolicies.Operations);
        letters.MapPost("/discard", DiscardAsync)
            .WithName("DiscardDeadLetters")
            .WithSummary("Sets up to 100 open dead letters aside for good with a reason; their queue items resolve. A replayed letter stays replayed.")
            .RequireAuthorization(AccessPolicies.Operations);
        return api;
    }

    private static async Task<Results<Ok<Page<DeadLetter>>, ValidationProblem, ProblemHttpResult>> ListAsync(
        HttpContext context,
        IReadModels readModels,
        TimeProvider clock,
        CancellationToken cancellationToken,
        string? partner = null,
        EventSource? source = null,
        RejectionCode? reason = null,
        double? minAgeHours = null,
        string status = "open",
        int? limit = null,
        string? after = null)
    {
        var (page, errors) = Paging.Parse(limit, after);
        if (after is not null && DeadLetterCursor.Decode(after) is null && !errors.ContainsKey("after"))
        {
            errors = errors.Add("after", ["A cursor as a page's 'next' returns it."]);
        }

        if (status is not ("open" or "all"))
        {
            errors = errors.Add("status", ["open or all."]);
        }

        if (minAgeHours is not null && !(minAgeHours is >= 0 and <= 1_000_000))
        {
            errors = errors.Add("minAgeHours", ["Between 0 and 1000000."]);
        }

        var partnerErrors = new FieldErrors();
        if (partner is not null)
        {
            partnerErrors.Identifier("partner", partner);
        }

        errors = errors.AddRange(partnerErrors.ToImmutable());
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var caller = context.Caller();
        if (!caller.IsStaff)
        {
            // A carrier's key lists its own letters: the partner filter defaults to it and may name no other.
            partner ??= caller.CarrierIds.Length == 1 ? caller.CarrierIds[0] : null;
            if (partner is null || !caller.IsCarrier(partner))
            {
                return partner is null && caller.CarrierIds.Length > 1
                    ? Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("partner", ["Name one of this key's carriers."]))
                    : Problems.NotFound("carrier", partner ?? "any");
            }
        }

        var before = minAgeHours is { } hours ? clock.GetUtcNow() - TimeSpan.FromHours(hours) : (DateTimeOffset?)null;
        return TypedResults.Ok(await readModels.ListDeadLettersAsync(new DeadLetterQuery(partner, source, reason, before, status == "open"), page, cancellationToken));
    }

    private static async Task<Results<Ok<DeadLetterOutcomes>, ValidationProblem>> ReplayAsync(
        DeadLetterBatch request, DeadLetterReplay replay, CancellationToken cancellationToken)
    {
        var errors = ValidateItems(request.Items);
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var outcomes = new List<DeadLetterOutcome>();
        foreach (var item in request.Items!)
        {
            var letter = await replay.ReplayAsync(item.CarrierId!, item.EventId!, cancellationToken);
            outcomes.Add(new DeadLetterOutcome(item.CarrierId!, item.EventId!, ActionOf(letter), letter));
        }

        return TypedResults.Ok(new DeadLetterOutcomes([.. outcomes]));
    }

    private static async Task<Results<Ok<DeadLetterOutcomes>, ValidationProblem>> DiscardAsync(
        DeadLetterBatch request, IReadModels readModels, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = ValidateItems(request.Items).ToBuilder();
        var reasonErrors = new FieldErrors();
        reasonErrors.Key("reason", request.Reason, MaxReasonLength);
        errors.AddRange(reasonErrors.ToImmutable());
        if (errors.Count > 0)
        {
            return Problems.Validation(errors.ToImmutable());
        }

        var outcomes = new List<DeadLetterOutcome>();
        foreach (var item in request.Items!)
        {
            var (carrierId, eventId) = (item.CarrierId!, item.EventId!);
            if (await readModels.FindDeadLetterAsync(carrierId, eventId, cancellationToken) is { Status: DeadLetterStatus.Open })
            {
                var now = clock.GetUtcNow();
                await readModels.ApplyAsync(
                    [
                        new DiscardDeadLetter(carrierId, eventId, request.Reason!, now),
                        new ResolveExceptionItem(DeadLetters.ExceptionIdOf(carrierId, eventId), $"Discarded: {request.Reason}", now),
                    ],
                    cancellationToken);
            }

            var letter = await readModels.FindDeadLetterAsync(carrierId, eventId, cancellationToken);
            outcomes.Add(new DeadLetterOutcome(carrierId, eventId, ActionOf(letter), letter));
        }

        return TypedResults.Ok(new DeadLetterOutcomes([.. outcomes]));
    }

    private static DeadLetterAction ActionOf(DeadLetter? letter) => letter switch
    {
        null => DeadLetterAction.NotFound,
        { Status: DeadLetterStatus.Replayed } => DeadLetterAction.Replayed,
        { Status: DeadLetterStatus.Discarded } => DeadLetterAction.Discarded,
        _ => DeadLetterAction.StillRejected,
    };

    private static ImmutableDictionary<string, ImmutableArray<string>> ValidateItems(DeadLetterKey[]? items)
    {
        var errors = new FieldErrors();
        if (items is not { Length: > 0 and <= MaxItems })
        {
            errors.Add("items", $"Give 1 to {MaxItems} dead letters.");
            return errors.ToImmutable();
        }

        for (var i = 0; i < items.Length; i++)
        {
            errors.Identifier($"items[{i}].carrierId", items[i]?.CarrierId);
            errors.Key($"items[{i}].eventId", items[i]?.EventId, 128);
        }

        return errors.ToImmutable();
    }
}

/// <summary>One dead letter, by its carrier and the carrier's event id.</summary>
internal sealed record DeadLetterKey(string? CarrierId, string? EventId);

/// <summary>Dead letters to replay or discard; <see cref="Reason"/> is required to discard.</summary>
internal sealed record DeadLetterBatch(DeadLetterKey[]? Items, string? Reason);

internal enum DeadLetterAction
{
    Replayed,
    StillRejected,
    Discarded,
    NotFound,
}

/// <summary>What became of one letter; <see cref="Letter"/> is as it stands now (null when there is none).</summary>
internal sealed record DeadLetterOutcome(string CarrierId, string EventId, DeadLetterAction Outcome, DeadLetter? Letter);

internal sealed record DeadLetterOutcomes(ImmutableArray<DeadLetterOutcome> Results);
