using ShipmentGrid.Shipments;

namespace ShipmentGrid.Operations;

/// <summary>Who works each exception queue, and a stable id per queue and subject so reopening is idempotent.</summary>
public static class ExceptionRouting
{
    /// <summary>
    /// DOMAIN: billing gaps go to operations and finance; credit holds to finance (customer service sees the
    /// case); delivery exceptions to operations and customer service; ERP failures to finance; dead letters
    /// to operations, who fix the cause and replay.
    /// </summary>
    public static OwnerTeam OwnersOf(ExceptionQueue queue) => queue switch
    {
        ExceptionQueue.BillingIncomplete => OwnerTeam.Operations | OwnerTeam.Finance,
        ExceptionQueue.CreditHold => OwnerTeam.Finance | OwnerTeam.CustomerService,
        ExceptionQueue.DeliveryException => OwnerTeam.Operations | OwnerTeam.CustomerService,
        ExceptionQueue.ErpFailure => OwnerTeam.Finance,
        ExceptionQueue.DeadLetter => OwnerTeam.Operations,
        _ => throw new ArgumentOutOfRangeException(nameof(queue), queue, "Unknown exception queue."),
    };

    /// <summary>One open item per queue and subject: opening it again finds the same id.</summary>
    public static string ExceptionIdOf(ExceptionQueue queue, string subject)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(subject);
        return $"{QueueName(queue)}/{subject}";
    }

    /// <summary>An open item; <paramref name="cause"/> names what opened it, so the same cause told again leaves a resolved item resolved.</summary>
    public static ExceptionItem Open(ExceptionQueue queue, string subject, string reason, DateTimeOffset openedAt, string cause) =>
        new(ExceptionIdOf(queue, subject), queue, subject, reason, openedAt, OwnersOf(queue), Resolution: null, ResolvedAt: null, cause);

    /// <summary>The billing exception DOMAIN step 4 queues when proof of delivery finds charges missing.</summary>
    public static ExceptionItem Open(BillingIncomplete incomplete)
    {
        ArgumentNullException.ThrowIfNull(incomplete);
        var reason = string.Join(" ", incomplete.Problems.Select(problem => problem.Detail));
        return Open(ExceptionQueue.BillingIncomplete, $"shipment/{incomplete.ShipmentId}", reason, incomplete.OccurredAt, incomplete.EventId);
    }

    public static string QueueName(ExceptionQueue queue) => queue switch
    {
        ExceptionQueue.BillingIncomplete => "billing-incomplete",
        ExceptionQueue.CreditHold => "credit-hold",
        ExceptionQueue.DeliveryException => "delivery-exception",
        ExceptionQueue.ErpFailure => "erp-failure",
        ExceptionQueue.DeadLetter => "dead-letter",
        _ => throw new ArgumentOutOfRangeException(nameof(queue), queue, "Unknown exception queue."),
    };
}
