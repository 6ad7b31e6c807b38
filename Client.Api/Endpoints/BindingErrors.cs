using System.Text.Json;
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
        if (context.Exception is not BadHttpRequestException { StatusCode: StatusCodes.Status400BadRequest } bad || Field(bad) is not ({ } field, { } expected))
        {
            return;
        }

        context.ProblemDetails.Title = "The request has invalid fields.";
        context.ProblemDetails.Type = "https://shipment-grid.dev/problems/validation";
        context.ProblemDetails.Detail = null;
        context.ProblemDetails.Extensions["errors"] = new Dictionary<string, string[]>(StringComparer.Ordinal) { [field] = [expected] };
    }

    private static (string? Field, string? Expected) Field(BadHttpRequestException bad)
    {
        if (bad.InnerException is JsonException json)
        {
            // "$.amount.amount" is the JSON path of the value that did not fit; "$" alone is the body as a whole.
            var path = json.Path is { Length: > 2 } jsonPath && jsonPath.StartsWith("$.", StringComparison.Ordinal) ? jsonPath[2..] : "body";
            return (path, "Not a valid value for this field: see its type and allowed values in the OpenAPI document.");
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
