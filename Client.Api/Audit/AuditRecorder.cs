using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Hosting.Audit;

namespace ShipmentGrid.Api.Audit;

/// <summary>
/// Records every write request under <c>/api/v1</c> (POST, PUT, PATCH, DELETE) in the audit log once it has been
/// answered: key id, partner and roles from the caller's claims (none for a caller refused authentication), method, the
/// endpoint's route pattern, the route values as subject, the status code and the trace id. Request bodies and headers
/// (the Authorization header above all) are never read. It runs outside the exception handler, so it sees the status
/// the caller gets (400 for an unreadable body, 503 under back pressure), and must run before authentication and
/// authorization, so a refused request (401, 403) is recorded too. It waits for the entry's batch to be stored before
/// the response ends (<see cref="AuditWriter"/>).
/// </summary>
internal sealed class AuditRecorder(RequestDelegate next, AuditWriter writer, TimeProvider clock)
{

    public async Task InvokeAsync(HttpContext context)
    {
        if (!IsAuditedWrite(context.Request))
        {
            await next(context);
            return;
        }

        // Taken before the pipeline runs: the exception handler clears the endpoint and route values when it answers.
        // A group's "/" leaves a trailing slash in the pattern (/api/v1/customers/); the route is named without it.
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { Length: > 1 } pattern ? pattern.TrimEnd('/') : null;
        var subject = AuditEntry.SubjectOf(context.Request.RouteValues.Select(pair =>
            KeyValuePair.Create(pair.Key, Convert.ToString(pair.Value, CultureInfo.InvariantCulture))));
        var traceId = Activity.Current?.TraceId.ToHexString();
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        finally
        {
            var at = AuditEntry.Truncate(clock.GetUtcNow());
            var user = context.User;
            await writer.RecordAsync(
                new AuditEntry(
                    AuditEntry.NewId(at),
                    at,
                    user.FindFirst(GridClaims.KeyId)?.Value,
                    user.FindFirst(GridClaims.Partner)?.Value,
                    [.. user.FindAll(ClaimTypes.Role).Select(role => role.Value)],
                    context.Request.Method,
                    route,
                    subject,
                    status,
                    traceId),
                CancellationToken.None);
        }
    }

    private static bool IsAuditedWrite(HttpRequest request) =>
        (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method) || HttpMethods.IsDelete(request.Method))
        && request.Path.StartsWithSegments("/api/v1", StringComparison.OrdinalIgnoreCase);
}
