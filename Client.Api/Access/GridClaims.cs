using System.Security.Claims;
using ShipmentGrid.Access;
using ShipmentGrid.Hosting.Access;

namespace ShipmentGrid.Api.Access;

/// <summary>The claims an authenticated request carries: the key id, the partner the key was issued to, and its roles.</summary>
internal static class GridClaims
{
    public const string KeyId = "sg:key";
    public const string Partner = "sg:partner";

    /// <summary>The key id of the configured bootstrap key (it has no row in the key store).</summary>
    public const string BootstrapKeyId = "bootstrap";

    public static ClaimsPrincipal PrincipalOf(ApiKey key, string scheme)
    {
        ArgumentNullException.ThrowIfNull(key);
        var claims = new List<Claim> { new(KeyId, key.KeyId), new(Partner, key.Partner), new(ClaimTypes.Name, key.Partner) };
        claims.AddRange(key.Roles.Select(role => new Claim(ClaimTypes.Role, role)));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>The caller the grains see for this principal, or null when the request is not authenticated.</summary>
    public static Caller? CallerOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Identity?.IsAuthenticated == true && user.FindFirstValue(KeyId) is { } keyId
            ? new Caller(keyId, user.FindAll(ClaimTypes.Role).Select(claim => claim.Value))
            : null;
    }

    /// <summary>The client's address, the partition of what is limited before a key is known.</summary>
    public static string ClientOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return "address:" + context.Connection.RemoteIpAddress;
    }

    public static Caller Caller(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return CallerOf(context.User) ?? throw new InvalidOperationException("The endpoint requires an authenticated caller.");
    }
}
