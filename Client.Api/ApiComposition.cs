using Microsoft.Extensions.DependencyInjection.Extensions;
using Scalar.AspNetCore;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Api.Audit;
using ShipmentGrid.Api.Endpoints;
using ShipmentGrid.Api.Ops;
using ShipmentGrid.Hosting.Webhooks;

namespace ShipmentGrid.Api;

/// <summary>The HTTP surface: problem+json for every error, OpenAPI, versioned routes under /api/v1.</summary>
internal static class ApiComposition
{
    /// <summary>What a 503 asks the caller to wait: long enough for the journal to drain a full queue.</summary>
    private const string RetryAfterSeconds = "1";

    public static IServiceCollection AddShipmentGridApi(this IServiceCollection services, IConfiguration configuration, bool embedded)
    {
        services.AddOptions<AdmissionOptions>().Bind(configuration.GetSection(AdmissionOptions.Section));
        services.AddSingleton<AdmissionLimiter>();
        services.AddGridAccess(configuration, embedded);
        services.AddProblemDetails(options => options.CustomizeProblemDetails = BindingErrors.Describe);

        // Binding failures reach the exception handler in every environment, so they answer with field errors.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddSingleton(TimeProvider.System);
        services.AddOpenApi(options => options.AddGridSecurity().AddSchemaTransformer(EnumNamesJson.DescribeAsync));
        services.AddSingleton<Partners.DeadLetterReplay>();
        services.TryAddSingleton<Edi.IEdiInterchanges, Edi.InMemoryEdiInterchanges>();
        services.AddGridWebhooks(configuration);
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.Converters.Add(new EnumNamesJson()));
        return services;
    }

    public static WebApplication UseShipmentGridApi(this WebApplication app)
    {
        // Unreadable request bodies are the caller's fault: 400 problem details, not 500, in every environment. A saturated
        // journal, or a grain the cluster cannot reach for now (a failover), is 503 with Retry-After, so clients retry
        // instead of treating it as a fault; neither is logged per request, which during a failover would flood the log.
        // Outside the exception handler, so the audit sees the status the caller gets; authentication and authorization
        // (UseGridAccess) go after it, so requests they refuse are audited too. Admission goes first: a request refused
        // for want of capacity costs no audit row, no key lookup and no grain call.
        app.UseMiddleware<Admission>();
        app.UseMiddleware<AuditRecorder>();
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception switch
            {
                BadHttpRequestException bad => bad.StatusCode,
                _ when ClusterFailures.IsTransient(exception) => StatusCodes.Status503ServiceUnavailable,
                _ => StatusCodes.Status500InternalServerError,
            },
            SuppressDiagnosticsCallback = context => context.Exception is BadHttpRequestException || ClusterFailures.IsTransient(context.Exception),
        });
        app.Use(async (context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                if (context.Response.StatusCode == StatusCodes.Status503ServiceUnavailable)
                {
                    context.Response.Headers.RetryAfter = RetryAfterSeconds;
                }

                return Task.CompletedTask;
            });
            await next(context);
        });
        app.UseStatusCodePages();
        app.UseGridAccess();
        return app;
    }

    public static IEndpointRouteBuilder MapShipmentGridApi(this IEndpointRouteBuilder endpoints)
    {
        // The API's description and its interactive reference are public; the reference is served from the package,
        // with no fonts or scripts from elsewhere.
        endpoints.MapOpenApi().AllowAnonymous();
        endpoints.MapScalarApiReference("/reference", options => options.WithTitle("Shipment Grid API").DisableDefaultFonts())
            .AllowAnonymous();
        endpoints.MapSessions();
        endpoints.MapOpsPage();
        var v1 = endpoints.MapGroup("/api/v1").RequireAuthorization(AccessPolicies.Partner).WithMetadata(BodyLimit.Default);
        v1.AddEndpointFilter<PathIdValidation>();
        v1.AddEndpointFilter<TenantScope>();
        v1.MapKeys();
        v1.MapCustomers();
        v1.MapShipments();
        v1.MapShipmentStory();
        v1.MapCarrierEvents();
        v1.MapOperations();
        v1.MapBilling();
        v1.MapPartners();
        v1.MapKpis();
        v1.MapJournal();
        v1.MapAudit();
        v1.MapDeadLetters();
        v1.MapEdi();
        v1.MapWebhooks();
        return endpoints;
    }
}
