using System.Collections.Frozen;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// Ids in the path get the rules the same ids get in a body, before any grain or row is looked up: customer, shipment
/// and carrier ids are identifiers; other keys (event, case and exception ids, invoice numbers) must be present,
/// bounded and free of control characters. A bad one is 400 problem+json naming the route value.
/// </summary>
internal sealed class PathIdValidation : IEndpointFilter
{
    private const int MaxKeyLength = 128;

    private static readonly FrozenSet<string> Identifiers = FrozenSet.Create(StringComparer.Ordinal, "customerId", "shipmentId", "carrierId");

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var errors = new FieldErrors();
        foreach (var (name, value) in context.HttpContext.Request.RouteValues)
        {
            if (value is string text)
            {
                if (Identifiers.Contains(name))
                {
                    errors.Identifier(name, text);
                }
                else
                {
                    errors.Key(name, text, MaxKeyLength);
                }
            }
        }

        var found = errors.ToImmutable();
        return found.IsEmpty ? await next(context) : Problems.Validation(found);
    }
}
