using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Serilog.Core;
using Serilog.Events;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary>
/// <c>Logging:Json=true</c>: the API's log events as compact JSON, those written inside a shipment's grain call with
/// the request's trace id, the span id and the shipment id; and a booking, a carrier event and its projection write
/// nothing of the grid's own at Information.
/// </summary>
public sealed partial class JsonLogTests
{
    private const string Customer = "C-LOG";
    private const string Shipment = "S-LOG-1";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // The logger category of the witness: a nested type's name with a dot, as ILogger<T> writes it.
    private static readonly string WitnessSource = typeof(ShipmentCallWitness).FullName!.Replace('+', '.');

    [Fact]
    public async Task A_log_event_in_a_shipment_call_is_compact_json_with_trace_span_and_shipment_and_the_hot_path_writes_nothing_at_information()
    {
        var logs = new CapturedLogEvents();
        await using var factory = new JsonLoggingApiFactory(logs);
        using var http = factory.CreateClient();
        await Accepted.PostAsync(http, "/api/v1/customers", SampleBookings.Customer(Customer));
        var since = logs.Count;

        await Accepted.PostAsync(http, "/api/v1/shipments", SampleBookings.Booking(Shipment, Customer, "K-LOG"));
        var trace = ActivityTraceId.CreateRandom();
        using (var pickedUp = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/v1/carrier-events", UriKind.Relative)))
        {
            pickedUp.Headers.Add("traceparent", $"00-{trace.ToHexString()}-{ActivitySpanId.CreateRandom().ToHexString()}-01");
            pickedUp.Content = JsonContent.Create(new JsonArray(new JsonObject
            {
                ["eventId"] = "S-LOG-1-PU", ["carrierId"] = "K-LOG", ["shipmentId"] = Shipment, ["milestone"] = "PickedUp",
                ["occurredAt"] = DateTimeOffset.UtcNow.AddHours(-1),
            }));
            using var response = await http.SendAsync(pickedUp);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        // The customer's list is a read model: the reader has projected the event once it shows the new status.
        await Eventually.Holds(
            async () => (await http.GetFromJsonAsync<JsonObject>(new Uri($"/api/v1/customers/{Customer}/shipments", UriKind.Relative)))!["items"]!
                .AsArray().Any(item => (string?)item!["status"] == "PickedUp"),
            Deadline,
            "the carrier event projected into the customer's list");

        // The formatter the console writes with, as the API's configuration chooses it.
        var formatter = ObservabilityExtensions.JsonFormatter(factory.Services.GetRequiredService<IConfiguration>());
        Assert.NotNull(formatter);
        var witnessed = Json(logs, formatter).Single(line => line["SourceContext"]?.ToString() == WitnessSource);
        Assert.True(DateTimeOffset.TryParse((string?)witnessed["@t"], System.Globalization.CultureInfo.InvariantCulture, out _), witnessed.ToJsonString());
        Assert.Contains(nameof(IShipmentGrain.RecordCarrierEvents), (string?)witnessed["@m"], StringComparison.Ordinal);
        Assert.Equal(trace.ToHexString(), (string?)witnessed["@tr"]);
        Assert.Matches("^[0-9a-f]{16}$", (string?)witnessed["@sp"]);
        Assert.Equal(Shipment, (string?)witnessed[GrainLogContext.ShipmentProperty]);

        // The same event as console text.
        var text = new Serilog.Formatting.Display.MessageTemplateTextFormatter(ObservabilityExtensions.ConsoleTemplate, System.Globalization.CultureInfo.InvariantCulture);
        using var line = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        text.Format(logs.Since(0).Single(logEvent => SourceOf(logEvent) == WitnessSource), line);
        Assert.Contains($"trace={trace.ToHexString()} span={witnessed["@sp"]} shipment={Shipment} ", line.ToString(), StringComparison.Ordinal);

        var chatty = logs.Since(since)
            .Where(logEvent => logEvent.Level >= LogEventLevel.Information && SourceOf(logEvent) is { } source
                && source.StartsWith("ShipmentGrid", StringComparison.Ordinal) && source != WitnessSource)
            .Select(logEvent => $"{SourceOf(logEvent)}: {logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToList();
        Assert.True(chatty.Count == 0, "Written at Information or above on the hot path: " + string.Join(" | ", chatty));
    }

    private static string? SourceOf(LogEvent logEvent) => CapturedLogEvents.SourceOf(logEvent);

    /// <summary>Each captured event as the console would print it with this formatter, parsed back.</summary>
    private static List<JsonObject> Json(CapturedLogEvents logs, Serilog.Formatting.Compact.RenderedCompactJsonFormatter formatter) => [.. logs.Since(0).Select(logEvent =>
    {
        using var line = new StringWriter(System.Globalization.CultureInfo.InvariantCulture);
        formatter.Format(logEvent, line);
        return JsonNode.Parse(line.ToString())!.AsObject();
    })];

    /// <summary>The embedded API with JSON logs, a capture of every log event, and a filter that logs once per carrier-event call on a shipment.</summary>
    private sealed class JsonLoggingApiFactory(CapturedLogEvents logs) : EmbeddedApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("Logging:Json", "true");
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<ILogEventSink>(logs);
                services.AddSingleton<IIncomingGrainCallFilter, ShipmentCallWitness>();
            });
        }
    }

    /// <summary>Stands for a warning written deep inside a shipment's call: inside the grid's log context, after it.</summary>
    private sealed partial class ShipmentCallWitness(ILogger<ShipmentCallWitness> logger) : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is IShipmentGrain && context.MethodName == nameof(IShipmentGrain.RecordCarrierEvents))
            {
                LogCall(logger, context.MethodName);
            }

            return context.Invoke();
        }

        [LoggerMessage(Level = LogLevel.Warning, Message = "Shipment call {Method}")]
        private static partial void LogCall(ILogger logger, string method);
    }
}
