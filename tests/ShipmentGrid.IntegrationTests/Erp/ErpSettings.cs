using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Hosting.Erp;

namespace ShipmentGrid.IntegrationTests.Erp;

/// <summary>The grid's <c>Erp</c> configuration against a <see cref="FakeErp"/>, with backoffs and timeouts shortened.</summary>
internal static class ErpSettings
{
    public static Dictionary<string, string?> For(FakeErp erp, params (string Key, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Erp:Mode"] = "Http",
            ["Erp:BaseUrl"] = erp.BaseUrl.AbsoluteUri,
            ["Erp:ApiKey"] = FakeErp.ApiKey,
            ["Erp:Resilience:Retry:Delay"] = "00:00:00.010",
            ["Erp:Resilience:Retry:MaxDelay"] = "00:00:00.050",
            ["Erp:Resilience:Retry:MaxRetryAttempts"] = "3",
            ["Erp:Resilience:AttemptTimeout:Timeout"] = "00:00:02",
            ["Erp:Resilience:TotalRequestTimeout:Timeout"] = "00:00:10",
            ["Erp:Resilience:CircuitBreaker:SamplingDuration"] = "00:00:30",
            ["Erp:Resilience:CircuitBreaker:MinimumThroughput"] = "1000",
            ["Erp:Throttle:MaxQueueWait"] = "00:00:10",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>The gateway as a silo registers it, in a service provider of its own (its own circuit breaker and throttle).</summary>
    public static ServiceProvider Gateway(FakeErp erp, params (string Key, string Value)[] overrides)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(For(erp, overrides)).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddHttpErpGateway(ErpOptions.FromConfiguration(configuration), configuration)
            .BuildServiceProvider();
    }
}
