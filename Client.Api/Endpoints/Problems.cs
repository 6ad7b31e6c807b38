using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>The one error shape of the API: RFC 9457 problem details, with field errors for bad input.</summary>
internal static class Problems
{
    public static ValidationProblem Validation(ImmutableDictionary<string, ImmutableArray<string>> errors) =>
        TypedResults.ValidationProblem(
            errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray(), StringComparer.Ordinal),
            title: "The request has invalid fields.",
            type: "https://shipment-grid.dev/problems/validation");

    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem(
            statusCode: StatusCodes.Status404NotFound,
            title: $"No {what} '{id}'.",
            type: $"https://shipment-grid.dev/problems/{what}-not-found");

    public static ProblemHttpResult Rejected(CommandResult result)
    {
        var status = result.Rejection switch
        {
            RejectionCode.ShipmentNotBooked or RejectionCode.ExceptionNotFound or RejectionCode.ChargeNotFound or RejectionCode.NotFound => StatusCodes.Status404NotFound,
            RejectionCode.Forbidden => StatusCodes.Status403Forbidden,
            RejectionCode.ValidationFailed => StatusCodes.Status400BadRequest,
            RejectionCode.CustomerNotFound => StatusCodes.Status422UnprocessableEntity,
            _ => StatusCodes.Status409Conflict,
        };
        return TypedResults.Problem(
            statusCode: status,
            title: result.Reason ?? result.Rejection.ToString(),
            type: $"https://shipment-grid.dev/problems/{Slug(result.Rejection)}");
    }

    /// <summary>A rejection's name as problem types and per-event answers spell it, e.g. <c>shipment-not-booked</c>.</summary>
    public static string Slug(RejectionCode rejection) => ToKebab(rejection.ToString());

    private static string ToKebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
