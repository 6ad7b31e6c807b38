using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>
/// The dispatcher's HTTP client. The address check is repeated when each connection is made, on the address actually
/// dialled, so a host that passed at subscription time cannot later be pointed inside the network (DNS rebinding);
/// redirects are not followed, for the same reason. Retries are the outbox's (durable, per delivery), not the client's.
/// </summary>
public static class WebhookHttp
{
    public static IServiceCollection AddWebhookHttpClient(this IServiceCollection services)
    {
        services.AddHttpClient(WebhookDispatcher.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(provider =>
            {
                var targets = provider.GetRequiredService<WebhookTargets>();
                return new SocketsHttpHandler
                {
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                    ConnectCallback = (context, cancellationToken) => ConnectAsync(targets, context, cancellationToken),
                };
            });
        return services;
    }

    private static async ValueTask<Stream> ConnectAsync(WebhookTargets targets, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        if (!targets.IsAllowListed(host) && addresses.Any(WebhookTargets.IsInternal))
        {
            throw new HttpRequestException($"The host '{host}' resolves to an address inside the network.");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
