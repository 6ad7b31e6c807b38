using System.Collections.Frozen;
using Microsoft.AspNetCore.Authorization;
using ShipmentGrid.Access;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// The route-level half of access: which roles may call an operation at all. The other half is the resource: the
/// grain that owns it (shipment, customer, invoice, carrier) refuses a tenant that is not its own, and the list
/// endpoints scope read models to the tenant in the path.
/// </summary>
internal static class AccessPolicies
{
    public const string Admin = "admin";
    public const string Operations = "operations";
    public const string Finance = "finance";
    public const string Staff = "staff";
    public const string Partner = "partner";
    public const string CarrierEvents = "carrier-events";
    public const string Booking = "booking";
    public const string ExceptionWork = "exception-work";

    /// <summary>Each policy's roles as the OpenAPI document and the README state them.</summary>
    public static FrozenDictionary<string, string> Described { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [Admin] = "admin",
        [Operations] = "admin, operations",
        [Finance] = "admin, finance",
        [Staff] = "admin, operations, finance, customer-service",
        [Partner] = "any staff role, or the tenant role (carrier:<id>, customer:<id>) of the resource",
        [CarrierEvents] = "admin, carrier:<id> (events under its own carrier id only)",
        [Booking] = "admin, operations, customer:<id> (its own shipments only)",
        [ExceptionWork] = "admin, operations, finance",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public static AuthorizationBuilder AddGridPolicies(this AuthorizationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Admin, policy => policy.RequireRole(GridRoles.Admin))
            .AddPolicy(Operations, policy => policy.RequireRole(GridRoles.Admin, GridRoles.Operations))
            .AddPolicy(Finance, policy => policy.RequireRole(GridRoles.Admin, GridRoles.Finance))
            .AddPolicy(Staff, policy => policy.RequireRole([.. GridRoles.Staff]))
            .AddPolicy(ExceptionWork, policy => policy.RequireRole(GridRoles.Admin, GridRoles.Operations, GridRoles.Finance))
            .AddPolicy(Partner, policy => policy.RequireAssertion(context =>
                GridClaims.CallerOf(context.User) is { ReadsApi: true }))
            .AddPolicy(CarrierEvents, policy => policy.RequireAssertion(context =>
                GridClaims.CallerOf(context.User) is { } caller && (caller.IsAdmin || !caller.CarrierIds.IsEmpty)))
            .AddPolicy(Booking, policy => policy.RequireAssertion(context =>
                GridClaims.CallerOf(context.User) is { } caller && (caller.Has(GridRoles.Operations) || !caller.CustomerIds.IsEmpty)));
    }
}
