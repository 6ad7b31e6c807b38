using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// What operations, finance and customer service work from: exception queues, dead letters, service cases and CRM
/// notifications, read from the read models and paged by keyset.
/// </summary>
internal static class OperationsEndpoints
{
    private const int MaxExceptionIdLength = 512;

    public static RouteGroupBuilder MapOperations(this RouteGroupBuilder api)
    {
        var exceptions = api.MapGroup("/exceptions").WithTags("Exceptions").RequireAuthorization(AccessPolicies.Staff);
        exceptions.MapGet("/", ListExceptionsAsync)
            .WithName("ListExceptions")
            .WithSummary("Exception items, oldest first, filtered by queue, owner team, status (open by default) and minimum age; paged.");
        exceptions.MapGet("/ages", CountAgesAsync)
            .WithName("CountOpenExceptionsByAge")
            .WithSummary("Open exception items of every queue by age (under an hour, a day, a week, older) and the oldest one's opening time.");
        exceptions.MapPost("/retry", RetryAsync)
            .WithName("RetryException")
            .WithSummary("Retries what an item is about: replays a dead-lettered event, or posts a failed invoice to the ERP now.")
            .RequireAuthorization(AccessPolicies.Operations);
        exceptions.MapPost("/resolve", ResolveAsync)
            .WithName("ResolveException")
            .WithSummary("Resolves an item; a delivery exception is resolved on its shipment, whose case and queue item follow.")
            .RequireAuthorization(AccessPolicies.ExceptionWork);
        api.MapPost("/shipments/{shipmentId}/exceptions/{exceptionId}/resolve", ResolveShipmentExceptionAsync)
            .WithTags("Exceptions")
            .WithName("ResolveShipmentException")
            .WithSummary("Resolves a shipment's delivery exception; its queue item and service case follow.");

        api.MapGet("/carriers/{carrierId}/dead-letters", ListDeadLettersAsync)
            .WithTags("Dead letters")
            .WithName("ListDeadLetters")
            .WithSummary("Carrier events the grid could not apply, with the reason, oldest first; paged.");
        api.MapPost("/carriers/{carrierId}/dead-letters/{eventId}/replay", ReplayAsync)
            .WithTags("Dead letters")
            .WithName("ReplayDeadLetter")
            .WithSummary("Sends a dead-lettered event to its shipment again, once its cause is fixed.")
            .RequireAuthorization(AccessPolicies.Operations);

        api.MapGet("/customers/{customerId}/service-cases", ListCasesAsync)
            .WithTags("Customer service")
            .WithName("ListServiceCases")
            .WithSummary("The customer's service cases, oldest first, all or only those not resolved (status=open); paged.");
        api.MapGet("/customers/{customerId}/service-cases/{caseId}", GetCaseAsync)
            .WithTags("Customer service")
            .WithName("GetServiceCase");
        api.MapGet("/customers/{customerId}/notifications", ListNotificationsAsync)
            .WithTags("Customer service")
            .WithName("ListCrmNotifications")
            .WithSummary("CRM notifications queued for the customer (the durable outbox), oldest first; paged.");
        return api;
    }

    private static async Task<Results<Ok<Page<ExceptionItem>>, ValidationProblem>> ListExceptionsAsync(
        IReadModels readModels,
        TimeProvider clock,
        CancellationToken cancellationToken,
        string? queue = null,
        OwnerTeam? owner = null,
        string status = "open",
        double? minAgeHours = null,
        int? limit = null,
        string? after = null)
    {
        var (page, errors) = Paging.Parse(limit, after);
        var queues = Enum.GetValues<ExceptionQueue>();
        if (queue is not null)
        {
            queues = [.. queues.Where(q => ExceptionRouting.QueueName(q) == queue)];
            if (queues.Length == 0)
            {
                errors = errors.Add("queue", [$"One of {string.Join(", ", Enum.GetValues<ExceptionQueue>().Select(ExceptionRouting.QueueName))}."]);
            }
        }

        if (status is not ("open" or "all"))
        {
            errors = errors.Add("status", ["open or all."]);
        }

        // NaN passes every comparison, so it is named: a query value "NaN" parses as a double.
        if (minAgeHours is < 0 or > 1_000_000 || (minAgeHours is { } asked && double.IsNaN(asked)))
        {
            errors = errors.Add("minAgeHours", ["Between 0 and 1000000."]);
        }

        // Query values parse as enums by name or by any number ("42"); only the teams' own flags filter.
        if (owner is { } named && (named & ~Enum.GetValues<OwnerTeam>().Aggregate((all, team) => all | team)) != 0)
        {
            errors = errors.Add("owner", [$"One of {string.Join(", ", Enum.GetNames<OwnerTeam>().Where(name => name != nameof(OwnerTeam.None)))}."]);
        }

        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        // A team owns whole queues, so the owner filter is a choice of queues, which the queue index serves.
        if (owner is { } team and not OwnerTeam.None)
        {
            queues = [.. queues.Where(q => (ExceptionRouting.OwnersOf(q) & team) != 0)];
        }

        var openedBefore = minAgeHours is { } hours ? clock.GetUtcNow() - TimeSpan.FromHours(hours) : (DateTimeOffset?)null;
        return queues.Length == 0
            ? TypedResults.Ok(new Page<ExceptionItem>([], null))
            : TypedResults.Ok(await readModels.ListExceptionsAsync(new ExceptionQuery([.. queues], status == "open", openedBefore), page, cancellationToken));
    }

    private static async Task<Ok<ImmutableArray<QueueAges>>> CountAgesAsync(IReadModels readModels, TimeProvider clock, CancellationToken cancellationToken)
    {
        var open = await readModels.CountOpenExceptionsAsync(clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(Enum.GetValues<ExceptionQueue>()
            .Select(queue => open.FirstOrDefault(ages => ages.Queue == queue) is { } ages
                ? new QueueAges(ExceptionRouting.QueueName(queue), ages.UnderAnHour, ages.UnderADay, ages.UnderAWeek, ages.Older, ages.Total, ages.OldestOpenedAt)
                : new QueueAges(ExceptionRouting.QueueName(queue), 0, 0, 0, 0, 0, null))
            .ToImmutableArray());
    }

    private static async Task<Results<Ok<ExceptionItem>, ProblemHttpResult, ValidationProblem>> RetryAsync(
        ExceptionCommand command, IReadModels readModels, IGrainFactory grains, DeadLetterReplay replay, CancellationToken cancellationToken)
    {
        var (item, problem) = await FindAsync(command, readModels, cancellationToken);
        if (item is null)
        {
            return problem!;
        }

        switch (item.Queue, item.Subject.Split('/'))
        {
            case (ExceptionQueue.DeadLetter, ["carrier", var carrierId, "event", var eventId]):
                await replay.ReplayAsync(carrierId, eventId, cancellationToken);
                break;
            case (ExceptionQueue.ErpFailure, ["invoice", var invoiceNumber]) when InvoiceNumbering.GrainKeyOf(invoiceNumber) is { } key:
                await grains.GetGrain<IInvoiceGrain>(key).RetryPosting();
                break;
            default:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: $"Items of the {ExceptionRouting.QueueName(item.Queue)} queue have nothing to retry; resolve them instead.",
                    type: "https://shipment-grid.dev/problems/not-retryable");
        }

        return TypedResults.Ok(await readModels.FindExceptionAsync(item.ExceptionId, cancellationToken) ?? item);
    }

    private static async Task<Results<Ok<ExceptionItem>, ProblemHttpResult, ValidationProblem>> ResolveAsync(
        ExceptionCommand command, IReadModels readModels, IGrainFactory grains, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = ShipmentValidation.ValidateResolution(command.Resolution);
        if (!errors.IsEmpty || command.Resolution is not { } resolution)
        {
            return Problems.Validation(errors);
        }

        var (item, problem) = await FindAsync(command, readModels, cancellationToken);
        if (item is null)
        {
            return problem!;
        }

        if (item.Queue == ExceptionQueue.DeliveryException && item.Subject.Split('/') is ["shipment", var shipmentId, "exception", var exceptionId])
        {
            var result = await grains.GetGrain<IShipmentGrain>(shipmentId).ResolveException(exceptionId, resolution);
            if (result.Outcome == CommandOutcome.Rejected)
            {
                return Problems.Rejected(result);
            }
        }
        else
        {
            await readModels.ApplyAsync([new ResolveExceptionItem(item.ExceptionId, resolution, clock.GetUtcNow())], cancellationToken);
        }

        return TypedResults.Ok(await readModels.FindExceptionAsync(item.ExceptionId, cancellationToken) ?? item);
    }

    private static async Task<(ExceptionItem? Item, Results<Ok<ExceptionItem>, ProblemHttpResult, ValidationProblem>? Problem)> FindAsync(
        ExceptionCommand command, IReadModels readModels, CancellationToken cancellationToken)
    {
        var known = Enum.GetValues<ExceptionQueue>()
            .Any(q => command.ExceptionId?.StartsWith(ExceptionRouting.QueueName(q) + "/", StringComparison.Ordinal) == true);
        if (command.ExceptionId is not { Length: <= MaxExceptionIdLength } || !known)
        {
            return (null, Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("exceptionId", ["An exception id, as the list returns it."])));
        }

        var item = await readModels.FindExceptionAsync(command.ExceptionId, cancellationToken);
        return item is null ? (null, Problems.NotFound("exception", command.ExceptionId)) : (item, null);
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> ResolveShipmentExceptionAsync(
        string shipmentId, string exceptionId, ResolutionRequest request, IGrainFactory grains)
    {
        var errors = ShipmentValidation.ValidateResolution(request.Resolution);
        if (!errors.IsEmpty || request.Resolution is not { } resolution)
        {
            return Problems.Validation(errors);
        }

        var result = await grains.GetGrain<IShipmentGrain>(shipmentId).ResolveException(exceptionId, resolution);
        return result.Outcome == CommandOutcome.Rejected ? Problems.Rejected(result) : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<Page<DeadLetter>>, ValidationProblem>> ListDeadLettersAsync(
        string carrierId, IReadModels readModels, CancellationToken cancellationToken, int? limit = null, string? after = null)
    {
        var (page, errors) = Paging.Parse(limit, after);
        return errors.IsEmpty
            ? TypedResults.Ok(await readModels.ListDeadLettersAsync(carrierId, page, cancellationToken))
            : Problems.Validation(errors);
    }

    private static async Task<Results<Ok<DeadLetter>, ProblemHttpResult>> ReplayAsync(
        string carrierId, string eventId, DeadLetterReplay replay, CancellationToken cancellationToken)
    {
        var letter = await replay.ReplayAsync(carrierId, eventId, cancellationToken);
        return letter is null ? Problems.NotFound("dead-letter", $"{carrierId}/{eventId}") : TypedResults.Ok(letter);
    }

    private static async Task<Results<Ok<Page<ServiceCaseView>>, ValidationProblem>> ListCasesAsync(
        string customerId, IReadModels readModels, CancellationToken cancellationToken, string status = "all", int? limit = null, string? after = null)
    {
        var (page, errors) = Paging.Parse(limit, after);
        if (status is not ("open" or "all"))
        {
            errors = errors.Add("status", ["open or all."]);
        }

        return errors.IsEmpty
            ? TypedResults.Ok(await readModels.ListCasesAsync(customerId, status == "open", page, cancellationToken))
            : Problems.Validation(errors);
    }

    private static async Task<Results<Ok<ServiceCaseView>, ProblemHttpResult>> GetCaseAsync(
        string customerId, string caseId, IReadModels readModels, CancellationToken cancellationToken) =>
        await readModels.FindCaseAsync(customerId, caseId, cancellationToken) is { } found
            ? TypedResults.Ok(found)
            : Problems.NotFound("service-case", caseId);

    private static async Task<Results<Ok<Page<CrmNotification>>, ValidationProblem>> ListNotificationsAsync(
        string customerId, IReadModels readModels, CancellationToken cancellationToken, int? limit = null, string? after = null)
    {
        var (page, errors) = Paging.Parse(limit, after);
        return errors.IsEmpty
            ? TypedResults.Ok(await readModels.ListNotificationsAsync(customerId, page, cancellationToken))
            : Problems.Validation(errors);
    }
}

internal sealed record ResolutionRequest(string? Resolution);

/// <summary>A queue's open items by age band, the total, and when the oldest was opened (null when none is open).</summary>
internal sealed record QueueAges(string Queue, long UnderAnHour, long UnderADay, long UnderAWeek, long Older, long Total, DateTimeOffset? OldestOpenedAt);

internal sealed record ExceptionCommand(string? ExceptionId, string? Resolution);
