using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Serilog.Core;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary>
/// Two hosts in one process (the test suite runs many at once) each log to their own sinks: neither takes the other's
/// events, and one stopping leaves the other's logging as it was.
/// </summary>
public sealed class LoggerPerHostTests
{
    [Fact]
    public async Task A_host_started_and_disposed_beside_another_leaves_the_others_events_in_its_own_sinks()
    {
        var firstSink = new CapturedLogEvents();
        using var first = Build(firstSink);
        await first.StartAsync();
        var firstLoggers = first.Services.GetRequiredService<ILoggerFactory>();

        // Loggers are made as they are first needed (a grain's, a filter's), here after the second host started.
        var secondSink = new CapturedLogEvents();
        using (var second = Build(secondSink))
        {
            await second.StartAsync();
            firstLoggers.CreateLogger("ShipmentGrid.First").LogWarning("while the second host runs");
            second.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ShipmentGrid.Second").LogWarning("from the second host");
            await second.StopAsync();
        }

        firstLoggers.CreateLogger("ShipmentGrid.First").LogWarning("after the second host is gone");
        await first.StopAsync();

        Assert.Equal(["while the second host runs", "after the second host is gone"], firstSink.Messages("ShipmentGrid.First"));
        Assert.Equal(["from the second host"], secondSink.Messages("ShipmentGrid.Second"));
        Assert.Empty(secondSink.Messages("ShipmentGrid.First"));
    }

    private static IHost Build(CapturedLogEvents sink)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.AddShipmentGridObservability("logger-per-host");
        builder.Services.AddSingleton<ILogEventSink>(sink);
        return builder.Build();
    }
}
