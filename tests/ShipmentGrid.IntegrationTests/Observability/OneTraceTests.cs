using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using OpenTelemetry.Trace;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.IntegrationTests.Webhooks;
using ShipmentGrid.Observability;
using ShipmentGrid.Tools.LoadGen;

namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary>
/// One carrier event's path through the grid in PostgreSQL mode, captured span by span: the proof of delivery sent to
/// the API runs through the shipment, the journal and its reader, the invoice, the credit check, the ERP ledger, the CRM
/// notification and the webhook delivered to a subscriber, and every step is in the request's trace, each span's parent
/// chain leading back to the request.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class OneTraceTests(PostgresServer postgres)
{
    private const string Customer = "C-TRACE";
    private const string Carrier = "K-TRACE";
    private const string Shipment = "S-TRACE-1";
    private const string InvoiceNumber = "INV-" + Shipment;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_proof_of_delivery_by_json_is_one_trace_from_the_request_to_the_erp_posting_and_the_webhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var grid = await StartGridAsync();
        using var http = grid.CreateClient();
        await ReadyToInvoiceAsync(http, receiver, Shipment);

        // The caller's own trace context, sampled: the grid continues it, so every span of the path carries its trace id.
        var trace = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        await ProofOfDeliveryAsync(http, Shipment, $"00-{trace.ToHexString()}-{callerSpan.ToHexString()}-01");

        var spans = await SpansUntilAsync(grid, trace, "webhook deliver", "INSERT erp_invoice", "credit check");

        var received = Assert.Single(receiver.To("crm"));
        Assert.Equal($"{InvoiceNumber}/posted", received.Id);

        // The subscriber's server (Kestrel in this process) continues the trace too: the webhook carries a traceparent.
        var request = Assert.Single(spans, span => span.Kind == ActivityKind.Server && span.ParentSpanId == callerSpan);
        Assert.Equal("Microsoft.AspNetCore", request.Source.Name);
        Assert.Equal("POST", request.GetTagItem("http.request.method"));
        Assert.Equal("/api/v1/carrier-events", request.GetTagItem("url.path"));

        // The ERP posting's chain, step by step from the request (Orleans' own call spans in between left out).
        var ledger = Assert.Single(spans, span => span.OperationName == "INSERT erp_invoice");
        var toLedger = Steps(spans, ledger);
        Assert.Equal(
            [request.OperationName, "shipment apply", "INSERT event_journal", "process journal", "invoice issue", "erp post", "INSERT erp_invoice"],
            toLedger.Select(span => span.OperationName));
        Assert.Same(request, toLedger[0]);
        Has(toLedger[1], (GridTracing.ShipmentAttribute, Shipment), (GridTracing.PartnerAttribute, Carrier), (GridTracing.CustomerAttribute, Customer));
        Has(toLedger[2], (GridTracing.StreamAttribute, $"shipment/{Shipment}"), ("db.system.name", "postgresql"), ("db.operation.name", "INSERT"), ("db.collection.name", "event_journal"));
        Has(toLedger[3], (GridTracing.ShipmentAttribute, Shipment), ("messaging.system", GridTracing.JournalSystem), ("messaging.operation.type", "process"));
        Has(toLedger[4], (GridTracing.InvoiceAttribute, InvoiceNumber), (GridTracing.ShipmentAttribute, Shipment), (GridTracing.CustomerAttribute, Customer));
        Has(toLedger[5], (GridTracing.InvoiceAttribute, InvoiceNumber), (GridTracing.CustomerAttribute, Customer));
        Has(ledger, (GridTracing.InvoiceAttribute, InvoiceNumber), ("db.system.name", "postgresql"));

        // The reader's span continues the context stored with the journal row (its parent) and links to it.
        var reader = toLedger[3];
        Assert.Equal(toLedger[2].SpanId, reader.ParentSpanId);
        Assert.Contains(reader.Links, link => link.Context.SpanId == toLedger[2].SpanId);
        Assert.StartsWith("journal/", (string?)reader.GetTagItem("messaging.destination.name"), StringComparison.Ordinal);

        var credit = Assert.Single(spans, span => span.OperationName == "credit check");
        Assert.Equal([.. toLedger.Take(5), credit], Steps(spans, credit));
        Has(credit, (GridTracing.InvoiceAttribute, InvoiceNumber), ("shipmentgrid.credit.decision", "approved"));

        // The posted invoice's CRM notification and its webhook, queued and sent after the posting, continue from it.
        var sent = Assert.Single(spans, span => span.Kind == ActivityKind.Client && span.Source.Name == "System.Net.Http" && span.GetTagItem("url.full") is string url
            && url.Contains("/hooks/crm", StringComparison.Ordinal));
        var toWebhook = Steps(spans, sent);
        Assert.Equal(
            [.. toLedger.Take(6).Select(span => span.OperationName), "INSERT event_journal", "crm notify", "webhook deliver", sent.OperationName],
            toWebhook.Select(span => span.OperationName));
        Assert.Equal(toLedger.Take(6), toWebhook.Take(6));
        Has(toWebhook[6], (GridTracing.StreamAttribute, $"invoice/{Shipment}"));
        Has(toWebhook[7], (GridTracing.InvoiceAttribute, InvoiceNumber), (GridTracing.CustomerAttribute, Customer), ("shipmentgrid.notification.kind", "InvoicePosted"));
        Has(toWebhook[8], (GridTracing.InvoiceAttribute, InvoiceNumber), ("messaging.system", GridTracing.WebhookSystem));
        Assert.Equal(204, sent.GetTagItem("http.response.status_code"));
        Assert.Contains(spans, span => span.Kind == ActivityKind.Server && span.ParentSpanId == sent.SpanId);
    }

    [Fact]
    public async Task A_proof_of_delivery_by_edi_is_one_trace_from_the_interchange_to_the_erp_posting()
    {
        const string shipment = "S-TRACE-3";
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var grid = await StartGridAsync();
        using var http = grid.CreateClient();
        await ReadyToInvoiceAsync(http, receiver, shipment);
        var carrier = new CarrierPlan(0, Carrier, "KTRC", "KTRACE", EventRoute.Edi);
        using (var profile = await http.PutAsJsonAsync(new Uri($"/api/v1/carriers/{Carrier}", UriKind.Relative), new JsonObject
        {
            ["carrierId"] = Carrier, ["scac"] = carrier.Scac, ["name"] = "Traced carrier",
            ["milestoneCodes"] = new JsonObject { [X12Documents.ProofOfDeliveryCode] = "ProofOfDelivery" },
            ["exceptionCodes"] = new JsonObject(), ["chargeCodes"] = new JsonObject(),
            ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
            ["timeZone"] = "America/Chicago", ["ediSenderIds"] = new JsonArray(carrier.SenderId),
        }))
        {
            Assert.True(profile.IsSuccessStatusCode, await profile.Content.ReadAsStringAsync());
        }

        var plan = new ShipmentPlan(0, shipment, new CustomerPlan(0, Customer, HeldDuringRun: false, HeldAtEnd: false), carrier, 0, DateTimeOffset.UtcNow.AddDays(-2), Anomalies: false);
        var now = DateTimeOffset.UtcNow;
        var status = X12Documents.Status214(1, new PlannedEvent(plan, "POD", Milestone.ProofOfDelivery, null, now.AddHours(-1)));
        var trace = ActivityTraceId.CreateRandom();
        var callerSpan = ActivitySpanId.CreateRandom();
        using (var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/v1/edi?carrierId={Carrier}", UriKind.Relative)))
        {
            request.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{callerSpan.ToHexString()}-01");
            request.Content = new StringContent(X12Documents.Interchange(carrier, 1, "QM", [status], now), System.Text.Encoding.ASCII, "application/edi-x12");
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        }

        var spans = await SpansUntilAsync(grid, trace, "INSERT erp_invoice");

        // The interchange's statuses go to the shipment as a JSON event's do; from there the path is the same.
        var toLedger = Steps(spans, spans.Single(span => span.OperationName == "INSERT erp_invoice"));
        Assert.Equal(
            [toLedger[0].OperationName, "shipment apply", "INSERT event_journal", "process journal", "invoice issue", "erp post", "INSERT erp_invoice"],
            toLedger.Select(span => span.OperationName));
        Assert.Equal(callerSpan, toLedger[0].ParentSpanId);
        Assert.Equal("/api/v1/edi", toLedger[0].GetTagItem("url.path"));
        Has(toLedger[1], (GridTracing.ShipmentAttribute, shipment), (GridTracing.PartnerAttribute, Carrier), (GridTracing.CustomerAttribute, Customer));
        Has(toLedger[4], (GridTracing.InvoiceAttribute, $"INV-{shipment}"), (GridTracing.CustomerAttribute, Customer));
    }

    [Fact]
    public async Task A_proof_of_delivery_queued_on_the_stream_is_one_trace_through_the_intake_stream_to_the_erp_posting()
    {
        const string shipment = "S-TRACE-4";
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var grid = await StartGridAsync();
        using var http = grid.CreateClient();
        await ReadyToInvoiceAsync(http, receiver, shipment);
        var trace = ActivityTraceId.CreateRandom();
        await ProofOfDeliveryAsync(http, shipment, $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01", "/api/v1/carrier-events/stream");

        var spans = await SpansUntilAsync(grid, trace, "INSERT erp_invoice");

        // One journal hop more: the event is queued on an intake stream, whose reader runs the shipment's command.
        var toLedger = Steps(spans, spans.Single(span => span.OperationName == "INSERT erp_invoice"));
        Assert.Equal(
            [toLedger[0].OperationName, "INSERT event_journal", "process journal", "shipment apply", "INSERT event_journal", "process journal", "invoice issue", "erp post", "INSERT erp_invoice"],
            toLedger.Select(span => span.OperationName));
        Assert.StartsWith($"intake/{shipment}/", (string?)toLedger[1].GetTagItem(GridTracing.StreamAttribute), StringComparison.Ordinal);
        Has(toLedger[2], (GridTracing.ShipmentAttribute, shipment), ("messaging.operation.type", "process"));
        Has(toLedger[3], (GridTracing.ShipmentAttribute, shipment), (GridTracing.PartnerAttribute, Carrier), (GridTracing.CustomerAttribute, Customer));
    }

    [Fact]
    public async Task In_the_embedded_grid_the_webhook_of_a_proof_of_delivery_continues_its_trace_too()
    {
        const string shipment = "S-TRACE-5";
        await using var receiver = await WebhookReceiver.StartAsync();
        var spans = new CapturedSpans();
        await using var embedded = new TracedEmbeddedApiFactory(spans);
        using var http = embedded.CreateClient();
        await ReadyToInvoiceAsync(http, receiver, shipment);
        var trace = ActivityTraceId.CreateRandom();
        await ProofOfDeliveryAsync(http, shipment, $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");

        var recorded = await SpansUntilAsync(spans, trace, "webhook deliver");

        // The in-memory journal writes no database span; the rest of the path is the same.
        var webhook = recorded.Single(span => span.OperationName == "webhook deliver");
        Assert.Equal(
            [Steps(recorded, webhook)[0].OperationName, "shipment apply", "process journal", "invoice issue", "erp post", "crm notify", "webhook deliver"],
            Steps(recorded, webhook).Select(span => span.OperationName));
        Has(webhook, (GridTracing.InvoiceAttribute, $"INV-{shipment}"), (GridTracing.CustomerAttribute, Customer));
    }

    [Fact]
    public async Task A_proof_of_delivery_its_caller_sampled_out_records_no_span_of_its_path_in_any_trace()
    {
        const string shipment = "S-TRACE-2";
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var grid = await StartGridAsync();
        using var http = grid.CreateClient();
        await ReadyToInvoiceAsync(http, receiver, shipment);

        var trace = ActivityTraceId.CreateRandom();
        await ProofOfDeliveryAsync(http, shipment, $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-00");
        await Eventually.Holds(
            () => Task.FromResult(receiver.To("crm").Any(received => received.Id == $"INV-{shipment}/posted")),
            Deadline,
            "the posted invoice's webhook received");

        // Nothing in the caller's trace, nor in new traces where the journal and the outbox hand the work on: everything
        // about the invoice happens after two journal hops, and its webhook after the outbox.
        var spans = grid.Spans.Snapshot();
        Assert.DoesNotContain(spans, span => span.TraceId == trace);
        var ofTheInvoice = spans.Where(span => span.GetTagItem(GridTracing.InvoiceAttribute) as string == $"INV-{shipment}").Select(span => span.OperationName).ToList();
        Assert.True(ofTheInvoice.Count == 0, "Recorded although sampled out: " + string.Join(", ", ofTheInvoice));
    }

    /// <summary>The grid with webhooks to the test's receiver allowed and dispatched every 100 ms.</summary>
    private Task<InProcessPostgresGrid> StartGridAsync() =>
        InProcessPostgresGrid.StartAsync(postgres, "onetrace", new Dictionary<string, string?>
        {
            ["Webhooks:AllowedHosts:0"] = "127.0.0.1",
            ["Webhooks:PollInterval"] = "00:00:00.100",
        });

    /// <summary>The customer, the CRM's subscription to its posted invoices, the booking and both required charges.</summary>
    private static async Task ReadyToInvoiceAsync(HttpClient http, WebhookReceiver receiver, string shipment)
    {
        await Accepted.PostAsync(http, "/api/v1/customers", SampleBookings.Customer(Customer));
        await Accepted.PostAsync(http, "/api/v1/webhooks", new JsonObject
        {
            ["url"] = receiver.UrlOf("crm"), ["eventTypes"] = new JsonArray("InvoicePosted"), ["customerId"] = Customer,
        });
        await Accepted.PostAsync(http, "/api/v1/shipments", SampleBookings.Booking(shipment, Customer, Carrier));
        await Accepted.PostAsync(http, $"/api/v1/shipments/{shipment}/charges", Charge("C-LH", "LINEHAUL", 1200m));
        await Accepted.PostAsync(http, $"/api/v1/shipments/{shipment}/charges", Charge("C-FS", "FUEL_SURCHARGE", 90m));
    }

    /// <summary>The carrier's proof of delivery by JSON, sent under the caller's <paramref name="traceParent"/>.</summary>
    private static async Task ProofOfDeliveryAsync(HttpClient http, string shipment, string traceParent, string path = "/api/v1/carrier-events")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative));
        request.Headers.Add("traceparent", traceParent);
        request.Content = JsonContent.Create(new JsonArray(new JsonObject
        {
            ["eventId"] = $"{shipment}-POD", ["carrierId"] = Carrier, ["shipmentId"] = shipment,
            ["milestone"] = "ProofOfDelivery", ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
        }));
        using var response = await http.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// The spans recorded in <paramref name="trace"/> once it holds each of the <paramref name="ends"/> spans (by name)
    /// with every ancestor back to the request: spans are recorded when they end, a parent after its children.
    /// </summary>
    private static Task<List<Activity>> SpansUntilAsync(InProcessPostgresGrid grid, ActivityTraceId trace, params string[] ends) =>
        SpansUntilAsync(grid.Spans, trace, ends);

    private static Task<List<Activity>> SpansUntilAsync(CapturedSpans captured, ActivityTraceId trace, params string[] ends) =>
        Eventually.Succeeds(
            () => captured.Snapshot().Where(span => span.TraceId == trace).ToList() is var inTrace
                && ends.All(end => inTrace.Any(span => span.OperationName == end && ChainOf(inTrace, span) is not null))
                    ? Task.FromResult(inTrace)
                    : throw new InvalidOperationException(
                        $"not all of {string.Join(", ", ends)} recorded with their chains yet; recorded: {string.Join(", ", inTrace.Select(span => span.OperationName).Distinct())}"),
            Deadline,
            $"{string.Join(", ", ends)} recorded in the request's trace back to the request");

    /// <summary>The span's recorded ancestors and itself, from the request down, without Orleans' call spans.</summary>
    private static List<Activity> Steps(IReadOnlyList<Activity> spans, Activity span) =>
        ChainOf(spans, span) ?? throw new Xunit.Sdk.XunitException($"The chain of '{span.OperationName}' breaks before the request.");

    /// <summary>Null when a parent between the span and the request was not recorded.</summary>
    private static List<Activity>? ChainOf(IReadOnlyList<Activity> spans, Activity span)
    {
        var byId = spans.ToDictionary(recorded => recorded.SpanId);
        var chain = new List<Activity> { span };
        while (chain[^1].ParentSpanId != default && byId.TryGetValue(chain[^1].ParentSpanId, out var parent))
        {
            chain.Add(parent);
        }

        if (chain[^1].Source.Name != "Microsoft.AspNetCore")
        {
            return null;
        }

        chain.Reverse();
        return [.. chain.Where(step => !step.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal))];
    }

    private static void Has(Activity span, params (string Attribute, string Value)[] attributes)
    {
        foreach (var (attribute, value) in attributes)
        {
            Assert.True(
                span.GetTagItem(attribute) as string == value,
                $"'{span.OperationName}' has {attribute}={span.GetTagItem(attribute)}, not {value}; its attributes: {string.Join(", ", span.Tags.Select(tag => $"{tag.Key}={tag.Value}"))}");
        }
    }

    private static JsonObject Charge(string chargeId, string type, decimal amount) => new()
    {
        ["chargeId"] = chargeId, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" },
        ["source"] = "CarrierInvoice", ["sourceReference"] = "210-TRACE",
    };

    /// <summary>The embedded grid (memory providers) with webhooks to the test's receiver and its spans captured.</summary>
    private sealed class TracedEmbeddedApiFactory(CapturedSpans spans) : EmbeddedApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Webhooks:AllowedHosts:0", "127.0.0.1");
            builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
            builder.ConfigureTestServices(services => services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans)));
        }
    }
}
