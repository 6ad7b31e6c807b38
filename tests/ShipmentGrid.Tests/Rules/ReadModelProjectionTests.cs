using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

public sealed class ReadModelProjectionTests
{
    private static readonly DateTimeOffset Start = ShipmentScenario.Start;

    private static List<ReadModelChange> Project(IEnumerable<object> events) => [.. events.SelectMany(ReadModelProjection.Project)];

    [Fact]
    public void A_booking_lists_the_shipment_for_its_customer_and_counts_for_its_carrier()
    {
        var scenario = new ShipmentScenario().Book();

        var changes = Project(scenario.Published);

        Assert.Contains(new TrackCustomerShipment(ShipmentScenario.CustomerId, ShipmentScenario.ShipmentId, ShipmentScenario.CarrierId, Start), changes);
        Assert.Contains(new CountKpi(KpiSubject.Carrier(ShipmentScenario.CarrierId), KpiMetrics.Bookings, Start, 1), changes);
    }

    [Fact]
    public void A_delivery_counts_once_and_measures_lateness_against_the_plan()
    {
        var scenario = new ShipmentScenario().Book();
        var deliveredAt = ShipmentScenario.Booking().PlannedDelivery!.Value.AddHours(3);
        scenario.Record(ShipmentScenario.Milestone("E-1", MilestoneType.Delivered, deliveredAt));
        scenario.Record(ShipmentScenario.Milestone("E-2", MilestoneType.ProofOfDelivery, deliveredAt.AddHours(1)));

        var changes = Project(scenario.Published);

        var carrier = KpiSubject.Carrier(ShipmentScenario.CarrierId);
        Assert.Single(changes, change => change is CountKpi { Metric: KpiMetrics.Deliveries });
        Assert.Equal(new ObserveKpi(carrier, KpiMetrics.Lateness, deliveredAt, TimeSpan.FromHours(3)), Assert.Single(changes.OfType<ObserveKpi>()));
        Assert.Single(changes.OfType<QueueNotification>(), change => change.Notification.Kind == CrmNotificationKind.DeliveryConfirmed);
        Assert.Contains(new AdvanceCustomerShipment(ShipmentScenario.ShipmentId, ShipmentStatus.ProofOfDelivery, null, null, null, deliveredAt.AddHours(1)), changes);
    }

    [Fact]
    public void A_delivery_journaled_before_it_named_its_carrier_scores_nothing()
    {
        var delivered = new ShipmentDelivered("S/delivered", "S", Start, "C", ImpliedByProofOfDelivery: false);

        Assert.DoesNotContain(ReadModelProjection.Project(delivered), change => change is CountKpi or ObserveKpi);
    }

    [Fact]
    public void A_delivery_exception_opens_an_item_a_case_and_a_notification_and_its_resolution_closes_them()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(ShipmentScenario.Exception("X-1", ExceptionKind.Damaged, Start.AddHours(5)));
        var exceptionId = Assert.Single(scenario.PublishedOf<ShipmentExceptionOpened>()).ExceptionId;
        scenario.Execute(state => ShipmentDecisions.ResolveException(state, exceptionId, "Repacked.", Start.AddHours(6)));

        var changes = Project(scenario.Published);

        var item = Assert.Single(changes.OfType<OpenExceptionItem>()).Item;
        Assert.Equal((ExceptionQueue.DeliveryException, ShipmentScenario.CustomerId), (item.Queue, item.CustomerId));
        Assert.Equal(item.ExceptionId, Assert.Single(changes.OfType<ResolveExceptionItem>()).ExceptionId);
        var opened = Assert.Single(changes.OfType<OpenServiceCase>());
        Assert.Equal(ServiceCaseReason.DeliveryException, opened.Reason);
        Assert.Equal(opened.CaseId, Assert.Single(changes.OfType<ResolveServiceCase>()).CaseId);
        Assert.Equal(
            [CrmNotificationKind.ExceptionOpened, CrmNotificationKind.ExceptionResolved],
            changes.OfType<QueueNotification>().Select(change => change.Notification.Kind));
        Assert.Single(changes, change => change is CountKpi { Metric: KpiMetrics.Exceptions });
    }

    [Fact]
    public void A_currency_mismatch_opens_a_billing_problem_case_that_billing_ready_closes()
    {
        var incomplete = new BillingIncomplete(
            "S/billing-incomplete", "S", Start, "C", [new BillingProblem(BillingProblemKind.CurrencyMismatch, ChargeType.Linehaul, "L-1", "Charge L-1 is in EUR, the customer bills in USD.")]);
        var ready = new BillingReady("S/billing-ready", "S", Start.AddDays(2), "C", "USD", []);

        var changes = Project([incomplete, ready]);

        var opened = Assert.Single(changes.OfType<OpenServiceCase>());
        Assert.Equal((ServiceCaseReason.BillingProblem, ReadModelProjection.BillingCaseId("S")), (opened.Reason, opened.CaseId));
        Assert.Equal(opened.CaseId, Assert.Single(changes.OfType<ResolveServiceCase>()).CaseId);
        Assert.Equal(Assert.Single(changes.OfType<OpenExceptionItem>()).Item.ExceptionId, Assert.Single(changes.OfType<ResolveExceptionItem>()).ExceptionId);
    }

    [Fact]
    public void A_missing_charge_alone_queues_an_item_but_no_case()
    {
        var incomplete = new BillingIncomplete(
            "S/billing-incomplete", "S", Start, "C", [new BillingProblem(BillingProblemKind.ChargeMissing, ChargeType.FuelSurcharge, null, "FUEL_SURCHARGE missing.")]);

        var changes = Project([incomplete]);

        Assert.Single(changes.OfType<OpenExceptionItem>());
        Assert.Empty(changes.OfType<OpenServiceCase>());
    }

    [Fact]
    public void A_held_then_posted_invoice_opens_and_closes_the_credit_hold_and_measures_the_cash_cycle()
    {
        var pickedUp = Start;
        var delivered = Start.AddDays(1);
        var postedAt = Start.AddDays(2);
        var held = new InvoiceHeld("INV-S/held-1", "S", "INV-S", "C", Start.AddDays(1), "Over the credit limit.");
        var posted = new InvoicePosted("INV-S/posted", "S", "INV-S", "C", postedAt, "ERP-1", new Money(10m, "USD"), pickedUp, delivered, null);

        var changes = Project([held, posted]);

        var item = Assert.Single(changes.OfType<OpenExceptionItem>()).Item;
        Assert.Equal((ExceptionQueue.CreditHold, "C"), (item.Queue, item.CustomerId));
        Assert.All(changes.OfType<ResolveExceptionItem>(), resolved => Assert.Equal(item.ExceptionId, resolved.ExceptionId));
        Assert.Equal(ServiceCaseReason.CreditHold, Assert.Single(changes.OfType<OpenServiceCase>()).Reason);
        Assert.Single(changes.OfType<ResolveServiceCase>());
        var customer = KpiSubject.Customer("C");
        Assert.Contains(new CountKpi(customer, KpiMetrics.InvoicesPosted, postedAt, 1), changes);
        Assert.Contains(new ObserveKpi(customer, KpiMetrics.InvoiceCycleTime, postedAt, TimeSpan.FromDays(1)), changes);
        Assert.Contains(new ObserveKpi(customer, KpiMetrics.ShipmentToCash, postedAt, TimeSpan.FromDays(2)), changes);
        Assert.Equal(InvoiceStatus.Posted, changes.OfType<AdvanceCustomerShipment>().Last().InvoiceStatus);
    }

    [Fact]
    public void A_posting_after_repeated_failures_closes_the_erp_failure_item()
    {
        var failure = ExceptionRouting.Open(ExceptionQueue.ErpFailure, "invoice/INV-S", "ERP down.", Start, "INV-S/failed-3");
        var failed = new InvoicePostingFailed("INV-S/failed-3", "S", "INV-S", "C", Start, 3, "ERP down.", Start.AddMinutes(5), failure);
        var posted = new InvoicePosted("INV-S/posted", "S", "INV-S", "C", Start.AddHours(1), "ERP-1", new Money(10m, "USD"), null, null, failure.ExceptionId);

        var changes = Project([failed, posted]);

        Assert.Equal(failure with { CustomerId = "C" }, Assert.Single(changes.OfType<OpenExceptionItem>()).Item);
        Assert.Contains(changes.OfType<ResolveExceptionItem>(), resolved => resolved.ExceptionId == failure.ExceptionId);
        Assert.DoesNotContain(changes, change => change is ObserveKpi);
    }
}
