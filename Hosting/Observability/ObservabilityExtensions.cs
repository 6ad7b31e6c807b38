using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ShipmentGrid.Observability;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace ShipmentGrid.Hosting.Observability;

/// <summary>Logging, tracing and metrics shared by every Shipment Grid process.</summary>
public static class ObservabilityExtensions
{
    /// <summary>
    /// The console line: every line carries the trace and span ids (empty outside a trace; Serilog takes them from
    /// <see cref="System.Diagnostics.Activity.Current"/>) and the business keys a grain call pushed
    /// (<see cref="GrainLogContext"/>; empty where none is known).
    /// </summary>
    internal const string ConsoleTemplate =
        "[{Timestamp:HH:mm:ss} {Level:u3}] {SourceContext}: {Message:lj} trace={TraceId} span={SpanId} "
        + "shipment={ShipmentId} invoice={InvoiceNumber} customer={CustomerId} partner={Partner}{NewLine}{Exception}";

    /// <summary>Where Prometheus scrapes every process (README, "Metrics").</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>
    /// Serilog (console, or compact JSON with <c>Logging:Json=true</c>) and OpenTelemetry for ASP.NET Core,
    /// outgoing HTTP, Npgsql, Orleans and the grid's business meter. Metrics are served for Prometheus at
    /// <see cref="MetricsPath"/> (<see cref="MapShipmentGridMetrics"/>); OTLP export is added only when
    /// OTEL_EXPORTER_OTLP_ENDPOINT is set.
    /// </summary>
    public static TBuilder AddShipmentGridObservability<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        // Sinks and enrichers registered as services join the console (a test's capture, a shipper's sink). Each host
        // keeps its own logger: through the static Log.Logger a second host in the process (the test suite's many)
        // took over the first one's events, and its disposal silenced them.
        builder.Services.AddSerilog(
            (services, logger) => ConfigureLogger(logger, builder.Configuration).ReadFrom.Services(services),
            preserveStaticLogger: true);

        builder.Services.AddGridMetrics();
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var sampling = TracingOptions.FromConfiguration(builder.Configuration);
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithTracing(tracing =>
            {
                tracing.SetSampler(sampling.CreateSampler())
                    .AddAspNetCoreInstrumentation(options =>
                        options.Filter = context => !context.Request.Path.StartsWithSegments("/health", StringComparison.Ordinal)
                            && !context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.Ordinal))
                    .AddHttpClientInstrumentation()
                    .AddNpgsql()
                    .AddSource(GridTracing.SourceName, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application");
                if (otlp)
                {
                    tracing.AddOtlpExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter("Microsoft.Orleans", "Npgsql", GridMetrics.MeterName)
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        return builder;
    }

    /// <summary>
    /// The Prometheus scrape endpoint. The silo's host serves it to whoever reaches its port (inside the cluster's
    /// network); the API passes the policy its callers need.
    /// </summary>
    public static IEndpointConventionBuilder MapShipmentGridMetrics(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);

    /// <summary>The cluster-wide gauges, for the one kind of process that exports them (the API).</summary>
    public static IServiceCollection AddClusterGauges(this IServiceCollection services)
    {
        services.AddSingleton<ClusterGauges>();
        services.AddHostedService(provider => provider.GetRequiredService<ClusterGauges>());
        return services;
    }

    internal static LoggerConfiguration ConfigureLogger(LoggerConfiguration logger, IConfiguration configuration) =>
        JsonFormatter(configuration) is { } json
            ? logger.WithGridLevels(configuration).WriteTo.Console(json)
            : logger.WithGridLevels(configuration).WriteTo.Console(outputTemplate: ConsoleTemplate, formatProvider: System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// With <c>Logging:Json=true</c> (env <c>Logging__Json=true</c>), one compact JSON object per event: <c>@t</c>,
    /// <c>@m</c> rendered, <c>@l</c>, <c>@x</c>, <c>@tr</c>/<c>@sp</c> the trace and span ids, and every property. Null
    /// for the console text.
    /// </summary>
    internal static RenderedCompactJsonFormatter? JsonFormatter(IConfiguration configuration) =>
        configuration.GetValue("Logging:Json", false) ? new RenderedCompactJsonFormatter() : null;

    /// <summary>The grid's levels (nothing per successful operation at Information) and the log context's properties.</summary>
    internal static LoggerConfiguration WithGridLevels(this LoggerConfiguration logger, IConfiguration configuration) =>
        logger.MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Hosting.Lifetime", LogEventLevel.Information)
            .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
            // Orleans' placement retries log two warnings with a full stack trace per attempt through Polly; during a
            // failover that was most of ~200k lines in two minutes. A call that still fails reaches its caller.
            .MinimumLevel.Override("Polly", LogEventLevel.Error)
            .MinimumLevel.Override("System.Net.Http.HttpClient", LogEventLevel.Warning)
            .ReadFrom.Configuration(configuration)
            .Enrich.FromLogContext();
}
