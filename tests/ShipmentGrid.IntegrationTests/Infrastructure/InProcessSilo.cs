using Microsoft.Extensions.Hosting;

namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>A silo hosted in the test process, for tests that reach its providers through its services.</summary>
public sealed class InProcessSilo : IAsyncDisposable
{
    private readonly IHost _host;

    private InProcessSilo(IHost host) => _host = host;

    public IServiceProvider Services => _host.Services;

    public static async Task<InProcessSilo> StartAsync(Action<ISiloBuilder> configure)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.UseOrleans(configure);
        var silo = new InProcessSilo(builder.Build());
        await silo._host.StartAsync();
        return silo;
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}
