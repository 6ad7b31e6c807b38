using ShipmentGrid.Api.Endpoints;

namespace ShipmentGrid.Api;

/// <summary>The HTTP surface: problem+json for every error, OpenAPI, versioned routes under /api/v1.</summary>
internal static class ApiComposition
{
    public static IServiceCollection AddShipmentGridApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddSingleton(TimeProvider.System);
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(options =>
            options.SerializerOptions.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter()));
        return services;
    }

    public static WebApplication UseShipmentGridApi(this WebApplication app)
    {
        // Unreadable request bodies are the caller's fault: 400 problem details, not 500, in every environment.
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            StatusCodeSelector = exception => exception is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError,
        });
        app.UseStatusCodePages();
        return app;
    }

    public static IEndpointRouteBuilder MapShipmentGridApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi();
        var v1 = endpoints.MapGroup("/api/v1");
        v1.MapCustomers();
        v1.MapShipments();
        v1.MapCarrierEvents();
        v1.MapOperations();
        v1.MapBilling();
        v1.MapPartners();
        v1.MapKpis();
        return endpoints;
    }
}
