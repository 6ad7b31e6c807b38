using System.Collections.Frozen;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Observability;

/// <summary>
/// The grid's business meter, measured where each fact happens (the shipment and invoice grains, the EDI intake, the
/// webhook dispatcher). Labels are bounded: a carrier id (500 partners), the event's source, a rejection code, an
/// outcome; never a customer, shipment or invoice id. Names and units follow the OpenTelemetry conventions; the
/// Prometheus exporter writes them with dots as underscores, a unit suffix (<c>_seconds</c>) and <c>_total</c> on counters.
/// </summary>
public sealed class GridMetrics
{
    public const string MeterName = "ShipmentGrid";

    public const string CarrierAttribute = "shipment_grid.carrier.id";
    public const string SourceAttribute = "shipment_grid.event.source";
    public const string ReasonAttribute = "shipment_grid.rejection.reason";
    public const string OutcomeAttribute = "shipment_grid.outcome";
    public const string QueueAttribute = "shipment_grid.exception.queue";
    public const string AgeAttribute = "shipment_grid.exception.age";

    /// <summary>From a minute to a month: proof of delivery or pickup to posted spans hours to weeks.</summary>
    private static readonly double[] CycleBuckets = [60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 345600, 604800, 1209600, 2592000];

    /// <summary>
    /// The SLA tolerances the carrier scorecard judges exactly (0, 5, 15 and 30 minutes; 1, 2, 4, 8 and 12 hours; 1, 2, 3,
    /// 7, 14 and 30 days), so a carrier's compliance with its tolerance is one bucket's share of the count.
    /// </summary>
    private static readonly double[] LatenessBuckets = [0, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200, 86400, 172800, 259200, 604800, 1209600, 2592000];

    /// <summary>One ERP call, retries included, stays under 30 s (<c>ErpResilience</c>).</summary>
    private static readonly double[] CallBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30];

    private static readonly FrozenDictionary<EventSource, string> Sources = Enum.GetValues<EventSource>()
        .ToFrozenDictionary(source => source, source => source.ToString().ToLowerInvariant());

    private readonly Counter<long> received;
    private readonly Counter<long> duplicates;
    private readonly Counter<long> rejected;
    private readonly Counter<long> deadLettered;
    private readonly Histogram<double> cycleTime;
    private readonly Histogram<double> shipmentToCash;
    private readonly Histogram<double> erpPosting;
    private readonly Counter<long> erpFailures;
    private readonly Counter<long> held;
    private readonly Counter<long> webhookDeliveries;
    private readonly Counter<long> webhookFailures;
    private readonly Histogram<double> deliveryLateness;

    public GridMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        Meter = meters.Create(MeterName);
        received = Meter.CreateCounter<long>(
            "shipment_grid.carrier_events.received", "{event}", "Carrier events the grid decided on, per carrier and source.");
        duplicates = Meter.CreateCounter<long>(
            "shipment_grid.carrier_events.duplicates", "{event}", "Carrier events seen before (same carrier and event id): reported, not applied.");
        rejected = Meter.CreateCounter<long>(
            "shipment_grid.carrier_events.rejected", "{event}", "Carrier events refused, per carrier, source and rejection reason.");
        deadLettered = Meter.CreateCounter<long>(
            "shipment_grid.carrier_events.dead_lettered", "{event}", "Refused carrier events kept as dead letters for replay.");
        cycleTime = Meter.CreateHistogram(
            "shipment_grid.invoice.cycle_time", "s", "Invoice cycle time: proof of delivery to the invoice posted in the ERP.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CycleBuckets });
        shipmentToCash = Meter.CreateHistogram(
            "shipment_grid.invoice.shipment_to_cash", "s", "Shipment-to-cash latency: pickup to the invoice posted in the ERP.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CycleBuckets });
        erpPosting = Meter.CreateHistogram(
            "shipment_grid.erp.posting.duration", "s", "One ERP posting call, retries included, per outcome (posted, failed, busy).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = CallBuckets });
        erpFailures = Meter.CreateCounter<long>(
            "shipment_grid.erp.posting.failures", "{posting}", "ERP postings that failed and wait for their retry.");
        held = Meter.CreateCounter<long>(
            "shipment_grid.invoices.held", "{invoice}", "Invoices held by the credit check (credit hold or over the limit).");
        webhookDeliveries = Meter.CreateCounter<long>(
            "shipment_grid.webhook.deliveries", "{delivery}", "Webhook delivery attempts, per outcome (succeeded, failed).");
        webhookFailures = Meter.CreateCounter<long>(
            "shipment_grid.webhook.delivery_failures", "{delivery}", "Webhook delivery attempts that failed (an error status, no answer in time, no connection).");
        deliveryLateness = Meter.CreateHistogram(
            "shipment_grid.delivery.lateness", "s",
            "How late a delivery came after its planned delivery, per carrier (0 when on time or early): a carrier's SLA compliance is the share at or under its tolerance.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatenessBuckets });
    }

    /// <summary>The meter, for the instruments a host adds (gauges it observes).</summary>
    public Meter Meter { get; }

    /// <summary>What the grid decided about one carrier event; the outcome's counters follow from it.</summary>
    public void CarrierEventDecided(CarrierEvent carrierEvent, CommandOutcome outcome, RejectionCode rejection, bool deadLettered)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        var tags = EventTags(carrierEvent);
        received.Add(1, tags);
        switch (outcome)
        {
            case CommandOutcome.Duplicate:
                duplicates.Add(1, tags);
                break;
            case CommandOutcome.Rejected:
                tags.Add(ReasonAttribute, rejection.ToString());
                rejected.Add(1, tags);
                if (deadLettered)
                {
                    this.deadLettered.Add(1, tags);
                }

                break;
        }
    }

    public void ErpPosting(TimeSpan elapsed, string outcome) =>
        erpPosting.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>(OutcomeAttribute, outcome));

    public void ErpPostingFailed() => erpFailures.Add(1);

    /// <summary>An invoice posted: its cycle time and shipment-to-cash latency, where the milestones are known.</summary>
    public void InvoicePosted(DateTimeOffset postedAt, DateTimeOffset? proofOfDeliveryAt, DateTimeOffset? pickedUpAt)
    {
        if (proofOfDeliveryAt is { } delivered)
        {
            cycleTime.Record(Math.Max(0, (postedAt - delivered).TotalSeconds));
        }

        if (pickedUpAt is { } pickedUp)
        {
            shipmentToCash.Record(Math.Max(0, (postedAt - pickedUp).TotalSeconds));
        }
    }

    public void InvoiceHeld() => held.Add(1);

    /// <summary>A delivery the shipment recorded, judged against its planned delivery when the booking planned one.</summary>
    public void Delivered(ShipmentDelivered delivered)
    {
        ArgumentNullException.ThrowIfNull(delivered);
        if (delivered is { CarrierId: { } carrierId, PlannedDelivery: { } planned })
        {
            deliveryLateness.Record(Math.Max(0, (delivered.OccurredAt - planned).TotalSeconds), new KeyValuePair<string, object?>(CarrierAttribute, carrierId));
        }
    }

    public void WebhookAttempt(bool succeeded)
    {
        webhookDeliveries.Add(1, new KeyValuePair<string, object?>(OutcomeAttribute, succeeded ? "succeeded" : "failed"));
        if (!succeeded)
        {
            webhookFailures.Add(1);
        }
    }

    /// <summary>The label value of a queue: the same lower-case, hyphenated name DOMAIN.md and the API use.</summary>
    public static string QueueName(ExceptionQueue queue) => queue switch
    {
        ExceptionQueue.BillingIncomplete => "billing-incomplete",
        ExceptionQueue.CreditHold => "credit-hold",
        ExceptionQueue.DeliveryException => "delivery-exception",
        ExceptionQueue.ErpFailure => "erp-failure",
        ExceptionQueue.DeadLetter => "dead-letter",
        _ => "other",
    };

    private static TagList EventTags(CarrierEvent carrierEvent) => new()
    {
        { CarrierAttribute, carrierEvent.CarrierId },
        { SourceAttribute, Sources.GetValueOrDefault(carrierEvent.Source, "unknown") },
    };
}

public static class GridMetricsServiceCollectionExtensions
{
    /// <summary>The business meter, once per process whichever of its roles (silo, API, both) asks for it.</summary>
    public static IServiceCollection AddGridMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<GridMetrics>();
        return services;
    }
}
