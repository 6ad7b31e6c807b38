namespace ShipmentGrid.Api;

/// <summary>The HTTP surface: problem+json for every error, OpenAPI, versioned routes under /api/v1.</summary>
internal static class ApiComposition
{
    public static IServiceCollection AddShipmentGridApi(this IServiceCollection services)
    {
        services.AddProblemDetails();
        services.AddOpenApi();
        return services;
    }

    public static WebApplication UseShipmentGridApi(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    public static IEndpointRouteBuilder MapShipmentGridApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi();
        var v1 = endpoints.MapGroup("/api/v1");
        _ = v1;
        return endpoints;
    }
}
