using System.Diagnostics;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Observability;

/// <summary>
/// The grid's spans (README, "Tracing"): one activity source for every step of a carrier event's path, from the shipment
/// through the journal and its readers to billing, the credit check, the ERP posting and the CRM notification. The
/// business keys are span attributes under the <c>shipmentgrid.</c> prefix (unbounded values are fine on spans, never
/// on metric labels); database and messaging spans carry the OpenTelemetry semantic-convention attributes.
/// </summary>
public static class GridTracing
{
    public const string SourceName = "ShipmentGrid";

    public const string ShipmentAttribute = "shipmentgrid.shipment.id";
    public const string InvoiceAttribute = "shipmentgrid.invoice.number";
    public const string CustomerAttribute = "shipmentgrid.customer.id";
    public const string PartnerAttribute = "shipmentgrid.partner.id";
    public const string StreamAttribute = "shipmentgrid.journal.stream";

    /// <summary>The messaging system of the journal's readers (<c>messaging.system</c>).</summary>
    public const string JournalSystem = "shipmentgrid.journal";

    /// <summary>The messaging system of the webhook outbox's dispatcher (<c>messaging.system</c>).</summary>
    public const string WebhookSystem = "shipmentgrid.webhooks";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>An internal step of the grid, a child of the current span; null when nobody listens or it is sampled out.</summary>
    public static Activity? Start(string name) => Source.StartActivity(name, ActivityKind.Internal);

    /// <summary>
    /// A call to PostgreSQL named <c>{operation} {table}</c>, with the database conventions' attributes
    /// (<c>db.system.name</c>, <c>db.operation.name</c>, <c>db.collection.name</c>).
    /// </summary>
    public static Activity? StartDatabase(string operation, string table)
    {
        var activity = Source.StartActivity($"{operation} {table}", ActivityKind.Client);
        activity?.SetTag("db.system.name", "postgresql");
        activity?.SetTag("db.operation.name", operation);
        activity?.SetTag("db.collection.name", table);
        return activity;
    }

    /// <summary>
    /// Work on journal rows (or outbox rows derived from them) committed earlier, in another trace's turn: a
    /// <c>process</c> span in the messaging conventions of <paramref name="system"/> on <paramref name="destination"/>. Its parent is the first row's
    /// stored trace context, so the usual one-event path stays one trace and the span follows that trace's sampling
    /// decision (a parent-based sampler keeps a sampled-out request's follow-ups out too); every row's context is also a
    /// span link, so a batch that carries several requests' rows leads back to each of them.
    /// </summary>
    public static Activity? StartProcessing(string name, string system, string destination, IEnumerable<string?> traceParents)
    {
        ArgumentNullException.ThrowIfNull(traceParents);
        List<ActivityLink>? links = null;
        ActivityContext parent = default;
        foreach (var traceParent in traceParents.Distinct(StringComparer.Ordinal))
        {
            if (ActivityContext.TryParse(traceParent, null, isRemote: true, out var context))
            {
                parent = parent == default ? context : parent;
                (links ??= []).Add(new ActivityLink(context));
            }
        }

        var activity = Source.StartActivity(name, ActivityKind.Consumer, parent, links: links);
        activity?.SetTag("messaging.system", system);
        activity?.SetTag("messaging.operation.type", "process");
        activity?.SetTag("messaging.operation.name", "process");
        activity?.SetTag("messaging.destination.name", destination);
        return activity;
    }

    /// <summary>The journal stream a span works on and the business key it names: the shipment of a shipment, intake or invoice stream, the customer of a customer stream.</summary>
    public static Activity? TagStream(this Activity? activity, string streamId) =>
        activity.Tag(StreamAttribute, streamId).Tag(
            JournalPartitioning.KindOf(streamId) == JournalStreams.CustomerKind ? CustomerAttribute : ShipmentAttribute,
            JournalPartitioning.PartitionKey(streamId));

    /// <summary>A CRM notification's customer, kind and, for an invoice's notification, the invoice number.</summary>
    public static Activity? TagNotification(this Activity? activity, CrmNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        const string invoicePrefix = "invoice/";
        return activity.Tag(CustomerAttribute, notification.CustomerId)
            .Tag("shipmentgrid.notification.id", notification.NotificationId)
            .Tag("shipmentgrid.notification.kind", notification.Kind.ToString())
            .Tag(InvoiceAttribute, notification.Subject.StartsWith(invoicePrefix, StringComparison.Ordinal) ? notification.Subject[invoicePrefix.Length..] : null);
    }

    /// <summary>Sets a business key, when there is one, on a span that exists.</summary>
    public static Activity? Tag(this Activity? activity, string attribute, string? value)
    {
        if (activity is not null && !string.IsNullOrEmpty(value))
        {
            activity.SetTag(attribute, value);
        }

        return activity;
    }

    /// <summary>Marks the span failed with the exception's type (its message may hold data the trace should not).</summary>
    public static void Failed(this Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.GetType().Name);
        activity?.SetTag("error.type", exception.GetType().FullName);
    }
}
