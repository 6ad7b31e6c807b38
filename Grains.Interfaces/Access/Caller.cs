using System.Collections.Immutable;

namespace ShipmentGrid.Access;

/// <summary>
/// Who is calling: the API key's id and roles. The API puts it into the Orleans request context of every call it
/// makes, so the grain that owns the data decides what the caller may read and write, not only the endpoint. A
/// grain call with no caller comes from inside the grid (a journal reader, a reminder) and is trusted.
/// </summary>
public sealed class Caller
{
    private const string ContextKey = "sg.caller";
    private readonly ImmutableHashSet<string> roles;

    public Caller(string keyId, IEnumerable<string> roles)
    {
        KeyId = keyId;
        this.roles = roles.ToImmutableHashSet(StringComparer.Ordinal);
        CarrierIds = [.. this.roles.Select(role => GridRoles.TenantId(role, GridRoles.CarrierPrefix)).OfType<string>().Order(StringComparer.Ordinal)];
        CustomerIds = [.. this.roles.Select(role => GridRoles.TenantId(role, GridRoles.CustomerPrefix)).OfType<string>().Order(StringComparer.Ordinal)];
    }

    public string KeyId { get; }

    public IEnumerable<string> Roles => roles.Order(StringComparer.Ordinal);

    public ImmutableArray<string> CarrierIds { get; }

    public ImmutableArray<string> CustomerIds { get; }

    /// <summary>The caller of the current grain call or request, or null inside the grid.</summary>
    public static Caller? Current => RequestContext.Get(ContextKey) is string encoded ? Decode(encoded) : null;

    public bool IsAdmin => roles.Contains(GridRoles.Admin);

    /// <summary>Holds any staff role (admin, operations, finance, customer service): reads across tenants.</summary>
    public bool IsStaff => GridRoles.Staff.Any(roles.Contains);

    /// <summary>Reads something of the API: a staff or tenant role (a metrics-only key does not).</summary>
    public bool ReadsApi => IsStaff || !CarrierIds.IsEmpty || !CustomerIds.IsEmpty;

    /// <summary>Holds the staff role (admin holds them all).</summary>
    public bool Has(string staffRole) => IsAdmin || roles.Contains(staffRole);

    public bool HasAny(params ReadOnlySpan<string> staffRoles)
    {
        foreach (var role in staffRoles)
        {
            if (Has(role))
            {
                return true;
            }
        }

        return false;
    }

    public bool IsCarrier(string carrierId) => roles.Contains(GridRoles.Carrier(carrierId));

    public bool IsCustomer(string customerId) => roles.Contains(GridRoles.Customer(customerId));

    public bool CanReadCustomer(string customerId) => IsStaff || IsCustomer(customerId);

    public bool CanReadCarrier(string carrierId) => IsStaff || IsCarrier(carrierId);

    /// <summary>Staff, the shipment's carrier and the shipment's customer read a shipment.</summary>
    public bool CanReadShipment(string customerId, string carrierId) => IsStaff || IsCarrier(carrierId) || IsCustomer(customerId);

    /// <summary>Makes this the caller of every grain call made from the current async flow.</summary>
    public void Attach() => RequestContext.Set(ContextKey, Encode());

    public static void Detach() => RequestContext.Remove(ContextKey);

    private string Encode() => KeyId + "\n" + string.Join(' ', Roles);

    private static Caller Decode(string encoded)
    {
        var separator = encoded.IndexOf('\n', StringComparison.Ordinal);
        return separator < 0
            ? new Caller(encoded, [])
            : new Caller(encoded[..separator], encoded[(separator + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
