using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Billing;

public sealed class BillingEscalationGrain(IReadModels readModels, [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, IBillingEscalationGrain, IRemindable
{
    public const string SweepReminder = "billing-escalation";

    /// <summary>How long billing may stay incomplete before it touches the customer.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromDays(1);

    private static readonly TimeSpan SweepPeriod = TimeSpan.FromMinutes(15);

    public async Task Start()
    {
        if (await this.GetReminder(SweepReminder) is null)
        {
            await this.RegisterOrUpdateReminder(SweepReminder, SweepPeriod, SweepPeriod);
        }
    }

    /// <summary>
    /// A case entry is kept once per source, and the source is the item's cause, so sweeping an item again changes
    /// nothing, while a gap reopened by a new cause is escalated again once it too is a day old.
    /// </summary>
    public async Task<int> Sweep()
    {
        var query = new ExceptionQuery([ExceptionQueue.BillingIncomplete], OpenOnly: true, OpenedAtOrBefore: clock.GetUtcNow() - Patience);
        var page = PageRequest.First(PageRequest.MaxLimit);
        var looked = 0;
        while (true)
        {
            var items = await readModels.ListExceptionsAsync(query, page, CancellationToken.None);
            looked += items.Items.Length;
            var cases = items.Items.Select(Escalate).OfType<ReadModelChange>().ToImmutableArray();
            if (!cases.IsEmpty)
            {
                await readModels.ApplyAsync(cases, CancellationToken.None);
            }

            if (items.Next is null)
            {
                return looked;
            }

            page = page with { After = items.Next };
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == SweepReminder ? Sweep() : Task.CompletedTask;

    private static OpenServiceCase? Escalate(ExceptionItem item) =>
        item is { CustomerId: { } customerId } && item.Subject.Split('/') is ["shipment", var shipmentId]
            ? new OpenServiceCase(
                ReadModelProjection.BillingCaseId(shipmentId),
                customerId,
                shipmentId,
                ServiceCaseReason.BillingProblem,
                new ServiceCaseEntry(item.OpenedAt + Patience, $"Billing incomplete for more than a day: {item.Reason}", item.Cause))
            : null;
}
