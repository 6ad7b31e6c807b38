using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Hosting.Audit;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>The audit log as admins read it: write requests newest first, filtered, paged by keyset.</summary>
internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", ListAsync)
            .RequireAuthorization(AccessPolicies.Admin)
            .WithTags("Audit")
            .WithName("ListAuditEntries")
            .WithSummary("Write requests newest first (key id, partner, roles, method, route, subject, status, time, trace id), filtered by "
                + "key id, partner, route pattern, status (a code such as 404 or a class such as 4xx) and time (from inclusive, to exclusive); paged.");
        return api;
    }

    private static async Task<Results<Ok<Page<AuditEntry>>, ValidationProblem>> ListAsync(
        IAuditLog log,
        CancellationToken cancellationToken,
        string? keyId = null,
        string? partner = null,
        string? route = null,
        string? status = null,
        DateTimeOffset? from = null,
        DateTimeOffset? to = null,
        int? limit = null,
        string? after = null)
    {
        var (page, errors) = Paging.Parse(limit, after);
        var outcome = AuditOutcome.Parse(status);
        if (status is not null && outcome is null)
        {
            errors = errors.Add("status", ["A status code from 100 to 599, or a class from 1xx to 5xx."]);
        }

        if (from is { } start && to is { } end && end <= start)
        {
            errors = errors.Add("to", ["Later than from."]);
        }

        foreach (var (name, value) in new[] { ("keyId", keyId), ("partner", partner), ("route", route) })
        {
            if (value is { Length: 0 or > 256 })
            {
                errors = errors.Add(name, ["1 to 256 characters."]);
            }
        }

        return errors.IsEmpty
            ? TypedResults.Ok(await log.ListAsync(new AuditQuery(keyId, partner, route, outcome, from, to), page, cancellationToken))
            : Problems.Validation(errors);
    }
}
