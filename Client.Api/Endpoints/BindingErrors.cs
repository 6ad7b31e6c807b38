using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using System.Text.RegularExpressions;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// A request the framework cannot bind (JSON of the wrong shape, an unknown enum value, text for a number, a query
/// value that does not parse) is answered like any validation error: 400 problem+json whose <c>errors</c> names the
/// field and says what was expected, instead of a bare 400.
/// </summary>
internal static partial class BindingErrors
{
    public static void Describe(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // Kestrel's refusal reaches here as the exception, or (when the body binder caught it) as the status alone.
        if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge
            || context.Exception is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge })
        {
            var limit = context.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize;
            context.ProblemDetails.Title = limit is { } bytes
                ? $"The request body is larger than this route takes ({bytes} bytes)."
                : "The request body is larger than this route takes.";
            context.ProblemDetails.Type = "https://shipment-grid.dev/problems/body-too-large";
            return;
        }

        if (context.Exception is not BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad || Field(bad) is not ({ } field, { } expected))
        {
            return;
        }

        context.ProblemDetails.Title = "The request has invalid fields.";
        context.ProblemDetails.Type = "https://shipment-grid.dev/problems/validation";
        context.ProblemDetails.Detail = null;
        context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [expected] };
    }

    /// <summary>
    /// The field a JSON value did not fit and what it expects, in the caller's terms: the path without the root
    /// (<c>amount.amount</c>, <c>[2].milestone</c> in a batch; <c>body</c> for the body as a whole) and, for a closed
    /// set of values, the values. The serializer's own message (type names, byte positions) is not passed on.
    /// </summary>
    public static (string Field, string Expected) Describe(JsonException json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var field = json.Path switch
        {
            { Length: > 2 } path when path.StartsWith("$.", StringComparison.Ordinal) => path[2..],
            { Length: > 1 } path when path.StartsWith("$[", StringComparison.Ordinal) => path[1..],
            _ => "body",
        };
        return json is UnexpectedValueException unexpected
            ? (field, unexpected.Message)
            : (field, "Not a valid value for this field: see its type and allowed values in the OpenAPI document.");
    }

    private static (string? Field, string? Expected) Field(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            return Describe(json);
        }

        if (bad.Message.Contains("anti-forgery", StringComparison.OrdinalIgnoreCase))
        {
            return ("antiforgery", "The form's antiforgery token is missing or does not match its cookie: load the form again.");
        }

        if (MissingValue().Match(bad.Message) is { Success: true } missing)
        {
            return (char.ToLowerInvariant(missing.Groups["name"].Value[0]) + missing.Groups["name"].Value[1..], "Required.");
        }

        return FailedParameter().Match(bad.Message) is { Success: true } match
            ? (match.Groups["name"].Value, $"Not a valid {match.Groups["type"].Value.TrimEnd('?')}.")
            : ("body", "A JSON body of the documented shape is required.");
    }

    [GeneratedRegex("""Missing required value for constructor parameter '(?<name>[^']+)'""", RegexOptions.CultureInvariant)]
    private static partial Regex MissingValue();

    [GeneratedRegex("""Failed to bind parameter "(?<type>[^" ]+) (?<name>[^" ]+)" from""", RegexOptions.CultureInvariant)]
    private static partial Regex FailedParameter();
}
