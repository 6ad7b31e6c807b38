using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>
/// A CRM subscriber played by Kestrel on a loopback port in the test process: it keeps every request to
/// <c>/hooks/{name}</c> (headers and raw body) and answers 204, or the status a test sets for that name.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentQueue<Received> received = new();
    private readonly ConcurrentDictionary<string, int> statuses = new(StringComparer.Ordinal);

    private WebhookReceiver(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseUrls("http://127.0.0.1:0");
        builder.Services.AddRoutingCore();
        var receiver = new WebhookReceiver(builder.Build());
        receiver.app.MapPost("/hooks/{name}", receiver.ReceiveAsync);
        await receiver.app.StartAsync();
        receiver.BaseUrl = new Uri(receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return receiver;
    }

    public string UrlOf(string name) => new Uri(BaseUrl, $"/hooks/{name}").ToString();

    /// <summary>Requests to <paramref name="name"/> answer <paramref name="status"/> from now on.</summary>
    public void Answer(string name, int status) => statuses[name] = status;

    public IReadOnlyList<Received> To(string name) => [.. received.Where(request => request.Name == name)];

    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private async Task ReceiveAsync(HttpContext context, string name)
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        received.Enqueue(new Received(
            name,
            context.Request.Headers["webhook-id"].ToString(),
            context.Request.Headers["webhook-timestamp"].ToString(),
            context.Request.Headers["webhook-signature"].ToString(),
            context.Request.ContentType,
            body.ToArray()));
        context.Response.StatusCode = statuses.GetValueOrDefault(name, StatusCodes.Status204NoContent);
    }

    public sealed record Received(string Name, string Id, string Timestamp, string Signature, string? ContentType, byte[] Body);
}
