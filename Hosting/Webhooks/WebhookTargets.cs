using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// Which URLs a subscription may target, so the grid cannot be made to call into its own network (SSRF): absolute
/// https URLs without credentials whose host resolves only to public addresses. A host on
/// <see cref="WebhookOptions.AllowedHosts"/> is exempt from the address check and may use http.
/// </summary>
public sealed class WebhookTargets(IOptions<WebhookOptions> options)
{
    public const int MaxUrlLength = 2_000;

    /// <summary>Why the URL is refused, or null when it may be a target.</summary>
    public async Task<string?> RefusalAsync(string? url, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return $"An absolute URL of at most {MaxUrlLength} characters.";
        }

        if (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp)
        {
            return "An https URL.";
        }

        if (uri.UserInfo.Length > 0 || uri.Fragment.Length > 0)
        {
            return "No credentials or fragment in the URL.";
        }

        var host = uri.IdnHost;
        if (IsAllowListed(host))
        {
            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            return "An https URL (http only for hosts on Webhooks:AllowedHosts).";
        }

        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return $"The host '{host}' does not resolve.";
        }

        return addresses.Length == 0 || addresses.Any(IsInternal)
            ? $"The host '{host}' resolves to a private, loopback or link-local address; only hosts on Webhooks:AllowedHosts may."
            : null;
    }

    public bool IsAllowListed(string host) =>
        options.Value.AllowedHosts.Contains(host.Trim('[', ']'), StringComparer.OrdinalIgnoreCase);

    /// <summary>Addresses inside a network rather than on the internet: loopback, private, link-local, shared, unspecified, multicast.</summary>
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.Broadcast))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var first = address.GetAddressBytes()[0];
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast || (first & 0xFE) == 0xFC;
        }

        var b = address.GetAddressBytes();
        return b[0] switch
        {
            0 or 10 or 127 => true,
            100 => b[1] is >= 64 and <= 127,
            169 => b[1] == 254,
            172 => b[1] is >= 16 and <= 31,
            192 => b[1] == 168 || (b[1] == 0 && b[2] == 0),
            198 => b[1] is 18 or 19,
            >= 224 => true,
            _ => false,
        };
    }
}
