using System.Collections.Immutable;

namespace ShipmentGrid.Access;

/// <summary>
/// The roles an API key can hold. Staff roles cover a business function across every tenant; the tenant roles
/// <c>carrier:&lt;id&gt;</c> and <c>customer:&lt;id&gt;</c> scope a partner to its own data. Admin holds every staff role.
/// </summary>
public static class GridRoles
{
    public const string Admin = "admin";
    public const string Operations = "operations";
    public const string Finance = "finance";
    public const string CustomerService = "customer-service";

    /// <summary>Reads the metrics scrape, nothing else.</summary>
    public const string Metrics = "metrics";

    public const string CarrierPrefix = "carrier:";
    public const string CustomerPrefix = "customer:";

    public static ImmutableArray<string> Staff { get; } = [Admin, Operations, Finance, CustomerService];

    public static string Carrier(string carrierId) => CarrierPrefix + carrierId;

    public static string Customer(string customerId) => CustomerPrefix + customerId;

    /// <summary>Whether <paramref name="role"/> is a role a key may hold: a staff role, metrics, or a tenant role with a well-formed id.</summary>
    public static bool IsValid(string role) =>
        Staff.Contains(role, StringComparer.Ordinal)
        || role == Metrics
        || (TenantId(role, CarrierPrefix) ?? TenantId(role, CustomerPrefix)) is { } id && IsTenantId(id);

    /// <summary>The tenant id of a role with the given prefix, or null when the role is not such a tenant role.</summary>
    public static string? TenantId(string role, string prefix) =>
        role.StartsWith(prefix, StringComparison.Ordinal) ? role[prefix.Length..] : null;

    private static bool IsTenantId(string id) =>
        id.Length is > 0 and <= 64 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
