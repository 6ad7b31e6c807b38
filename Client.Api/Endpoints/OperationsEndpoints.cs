using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>What operations, finance and customer service work from: exception queues, dead letters, service cases.</summary>
internal static class OperationsEndpoints
{
    public static RouteGroupBuilder MapOperations(this RouteGroupBuilder api)
    {
        var exceptions = api.MapGroup("/exceptions").WithTags("Exceptions");
        exceptions.MapGet("/", ListExceptionsAsync)
            .WithName("ListExceptions")
            .WithSummary("Exception items, oldest first, filtered by queue, owner team, status (open by default) and minimum age.");
        exceptions.MapPost("/retry", RetryAsync)
            .WithName("RetryException")
            .WithSummary("Retries what an item is about: replays a dead-lettered event, or posts a failed invoice to the ERP now.");
        exceptions.MapPost("/resolve", ResolveAsync)
            .WithName("ResolveException")
            .WithSummary("Resolves an item; a delivery exception is resolved on its shipment, whose case and queue item follow.");
        api.MapPost("/shipments/{shipmentId}/exceptions/{exceptionId}/resolve", ResolveShipmentExceptionAsync)
            .WithTags("Exceptions")
            .WithName("ResolveShipmentException")
            .WithSummary("Resolves a shipment's delivery exception; its queue item and service case follow.");

        api.MapGet("/carriers/{carrierId}/dead-letters", async (string carrierId, IGrainFactory grains) =>
                TypedResults.Ok(await grains.GetGrain<IDeadLetterGrain>(carrierId).List()))
            .WithTags("Dead letters")
            .WithName("ListDeadLetters")
            .WithSummary("Carrier events the grid could not apply, with the reason.");
        api.MapPost("/carriers/{carrierId}/dead-letters/{eventId}/replay", ReplayAsync)
            .WithTags("Dead letters")
            .WithName("ReplayDeadLetter")
            .WithSummary("Sends a dead-lettered event to its shipment again, once its cause is fixed.");

        api.MapGet("/customers/{customerId}/service-cases", async (string customerId, IGrainFactory grains) =>
                TypedResults.Ok(await grains.GetGrain<ICustomerServiceGrain>(customerId).Cases()))
            .WithTags("Customer service")
            .WithName("ListServiceCases");
        api.MapGet("/customers/{customerId}/service-cases/{caseId}", GetCaseAsync)
            .WithTags("Customer service")
            .WithName("GetServiceCase");
        api.MapGet("/customers/{customerId}/notifications", async (string customerId, IGrainFactory grains) =>
                TypedResults.Ok(await grains.GetGrain<ICustomerServiceGrain>(customerId).Notifications()))
            .WithTags("Customer service")
            .WithName("ListCrmNotifications")
            .WithSummary("CRM notifications queued for the customer (durable outgoing messages).");
        return api;
    }

    private static async Task<Results<Ok<ImmutableArray<ExceptionItem>>, ValidationProblem>> ListExceptionsAsync(
        IGrainFactory grains, TimeProvider clock, string? queue = null, OwnerTeam? owner = null, string status = "open", double? minAgeHours = null)
    {
        var errors = ImmutableDictionary<string, ImmutableArray<string>>.Empty;
        var queues = Enum.GetValues<ExceptionQueue>();
        if (queue is not null)
        {
            queues = queues.Where(q => ExceptionRouting.QueueName(q) == queue).ToArray();
            if (queues.Length == 0)
            {
                errors = errors.Add("queue", [$"One of {string.Join(", ", Enum.GetValues<ExceptionQueue>().Select(ExceptionRouting.QueueName))}."]);
            }
        }

        if (status is not ("open" or "all"))
        {
            errors = errors.Add("status", ["open or all."]);
        }

        if (minAgeHours is < 0)
        {
            errors = errors.Add("minAgeHours", ["Must not be negative."]);
        }

        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var lists = await Task.WhenAll(queues.Select(q =>
            grains.GetGrain<IExceptionQueueGrain>(ExceptionRouting.QueueName(q)).List(status == "open", owner ?? OwnerTeam.None)));
        var openedBefore = clock.GetUtcNow() - TimeSpan.FromHours(minAgeHours ?? 0);
        return TypedResults.Ok(lists.SelectMany(list => list).Where(item => item.OpenedAt <= openedBefore).OrderBy(item => item.OpenedAt).ToImmutableArray());
    }

    private static async Task<Results<Ok<ExceptionItem>, ProblemHttpResult, ValidationProblem>> RetryAsync(ExceptionCommand command, IGrainFactory grains)
    {
        var (item, problem) = await FindAsync(command, grains);
        if (item is null)
        {
            return problem!;
        }

        var subject = item.Subject.Split('/');
        switch (item.Queue, subject)
        {
            case (ExceptionQueue.DeadLetter, ["carrier", var carrierId, "event", var eventId]):
                await grains.GetGrain<IDeadLetterGrain>(carrierId).Replay(eventId);
                break;
            case (ExceptionQueue.ErpFailure, ["invoice", var invoiceNumber]) when InvoiceNumbering.ShipmentIdOf(invoiceNumber) is { } shipmentId:
                await grains.GetGrain<IInvoiceGrain>(shipmentId).RetryPosting();
                break;
            default:
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status409Conflict,
                    title: $"Items of the {ExceptionRouting.QueueName(item.Queue)} queue have nothing to retry; resolve them instead.",
                    type: "https://shipment-grid.dev/problems/not-retryable");
        }

        return TypedResults.Ok(await Queue(grains, item.Queue).Find(item.ExceptionId) ?? item);
    }

    private static async Task<Results<Ok<ExceptionItem>, ProblemHttpResult, ValidationProblem>> ResolveAsync(ExceptionCommand command, IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(command.Resolution))
        {
            return Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("resolution", ["Required."]));
        }

        var (item, problem) = await FindAsync(command, grains);
        if (item is null)
        {
            return problem!;
        }

        if (item.Queue == ExceptionQueue.DeliveryException && item.Subject.Split('/') is ["shipment", var shipmentId, "exception", var exceptionId])
        {
            var result = await grains.GetGrain<IShipmentGrain>(shipmentId).ResolveException(exceptionId, command.Resolution);
            if (result.Outcome == CommandOutcome.Rejected)
            {
                return Problems.Rejected(result);
            }
        }
        else
        {
            await Queue(grains, item.Queue).Resolve(item.ExceptionId, command.Resolution);
        }

        return TypedResults.Ok(await Queue(grains, item.Queue).Find(item.ExceptionId) ?? item);
    }

    private static async Task<(ExceptionItem? Item, Results<Ok<ExceptionItem>, ProblemHttpResult, ValidationProblem>? Problem)> FindAsync(
        ExceptionCommand command, IGrainFactory grains)
    {
        var queue = Enum.GetValues<ExceptionQueue>()
            .Where(q => command.ExceptionId?.StartsWith(ExceptionRouting.QueueName(q) + "/", StringComparison.Ordinal) == true)
            .Select(q => (ExceptionQueue?)q)
            .FirstOrDefault();
        if (command.ExceptionId is null || queue is null)
        {
            return (null, Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("exceptionId", ["An exception id, as the list returns it."])));
        }

        var item = await Queue(grains, queue.Value).Find(command.ExceptionId);
        return item is null ? (null, Problems.NotFound("exception", command.ExceptionId)) : (item, null);
    }

    private static IExceptionQueueGrain Queue(IGrainFactory grains, ExceptionQueue queue) =>
        grains.GetGrain<IExceptionQueueGrain>(ExceptionRouting.QueueName(queue));

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> ResolveShipmentExceptionAsync(
        string shipmentId, string exceptionId, ResolutionRequest request, IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(request.Resolution))
        {
            return Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("resolution", ["Required."]));
        }

        var result = await grains.GetGrain<IShipmentGrain>(shipmentId).ResolveException(exceptionId, request.Resolution);
        return result.Outcome == CommandOutcome.Rejected ? Problems.Rejected(result) : TypedResults.NoContent();
    }

    private static async Task<Results<Ok<DeadLetter>, ProblemHttpResult>> ReplayAsync(string carrierId, string eventId, IGrainFactory grains)
    {
        var letter = await grains.GetGrain<IDeadLetterGrain>(carrierId).Replay(eventId);
        return letter is null ? Problems.NotFound("dead-letter", $"{carrierId}/{eventId}") : TypedResults.Ok(letter);
    }

    private static async Task<Results<Ok<ServiceCaseView>, ProblemHttpResult>> GetCaseAsync(string customerId, string caseId, IGrainFactory grains)
    {
        var cases = await grains.GetGrain<ICustomerServiceGrain>(customerId).Cases();
        var found = cases.FirstOrDefault(view => view.CaseId == caseId);
        return found is null ? Problems.NotFound("service-case", caseId) : TypedResults.Ok(found);
    }
}

internal sealed record ResolutionRequest(string? Resolution);

internal sealed record ExceptionCommand(string? ExceptionId, string? Resolution);
