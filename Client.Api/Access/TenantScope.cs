using ShipmentGrid.Api.Endpoints;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// A route naming a customer or a carrier is that tenant's: a key that may not read it (another tenant's) gets
/// 404, as if it did not exist, before anything is looked up. Staff read every tenant. What the key may change is
/// decided by the route's policy and the grain that owns the data.
/// </summary>
internal sealed class TenantScope : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        return Denied(context.HttpContext) ?? await next(context);
    }

    /// <summary>The 404 for a route naming a tenant the caller may not read, or null when it may.</summary>
    public static IResult? Denied(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var caller = GridClaims.CallerOf(context.User);
        var route = context.Request.RouteValues;
        if (route.TryGetValue("customerId", out var customer) && customer is string customerId && caller?.CanReadCustomer(customerId) != true)
        {
            return Problems.NotFound("customer", customerId);
        }

        return route.TryGetValue("carrierId", out var carrier) && carrier is string carrierId && caller?.CanReadCarrier(carrierId) != true
            ? Problems.NotFound("carrier", carrierId)
            : null;
    }
}
