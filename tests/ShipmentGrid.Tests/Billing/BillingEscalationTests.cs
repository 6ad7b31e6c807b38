using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Tests.Billing;

/// <summary>DOMAIN: billing incomplete for more than a day touches the customer and opens a BillingProblem case.</summary>
public sealed class BillingEscalationTests(BillingCluster cluster) : IClassFixture<BillingCluster>
{
    [Fact]
    public async Task Billing_incomplete_for_more_than_a_day_opens_one_billing_problem_case_and_younger_or_resolved_gaps_none()
    {
        var now = BillingCluster.Clock.GetUtcNow();
        ExceptionItem Gap(string shipmentId, TimeSpan age) =>
            ExceptionRouting.Open(ExceptionQueue.BillingIncomplete, $"shipment/{shipmentId}", "FUEL_SURCHARGE missing.", now - age, $"{shipmentId}/billing-incomplete")
                with { CustomerId = "C-ESC" };
        var resolved = Gap("S-ESC-RESOLVED", TimeSpan.FromDays(3));
        await cluster.ReadModels.ApplyAsync(
            [
                new OpenExceptionItem(Gap("S-ESC-OLD", TimeSpan.FromDays(2))),
                new OpenExceptionItem(Gap("S-ESC-YOUNG", TimeSpan.FromHours(23))),
                new OpenExceptionItem(resolved),
                new ResolveExceptionItem(resolved.ExceptionId, "Charge waived.", now),
            ],
            CancellationToken.None);

        var escalation = cluster.Grains.GetGrain<IBillingEscalationGrain>(0);
        await escalation.Sweep();
        await escalation.Sweep();

        var cases = await cluster.ReadModels.ListCasesAsync("C-ESC", openOnly: false, PageRequest.First(), CancellationToken.None);
        var escalated = Assert.Single(cases.Items);
        Assert.Equal(
            (ReadModelProjection.BillingCaseId("S-ESC-OLD"), ServiceCaseReason.BillingProblem, "S-ESC-OLD", ServiceCaseStatus.Open),
            (escalated.CaseId, escalated.Reason, escalated.ShipmentId, escalated.Status));
        Assert.Single(escalated.Timeline);
    }
}
