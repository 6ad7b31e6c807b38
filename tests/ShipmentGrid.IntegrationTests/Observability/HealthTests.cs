using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Polly.CircuitBreaker;
using ShipmentGrid.Hosting.Erp;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.Hosting.Webhooks;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Journal;

namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary>
/// Readiness fails only for what stops a process serving: the ERP circuit open, a journal reader behind and webhook
/// rounds failing leave it ready (200) and Degraded in the body; one gateway of three lost leaves an API ready; what an
/// exception said never reaches a health body.
/// </summary>
public sealed class HealthTests(HealthTests.DegradedGridFactory factory) : IClassFixture<HealthTests.DegradedGridFactory>
{
    /// <summary>What the failures below say: a host, an address and a password that must stay in the log.</summary>
    private const string Secret = "Host=db.internal;Password=hunter2 at 10.1.2.3:5432";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_ERP_circuit_open_a_reader_behind_and_webhook_rounds_failing_are_degraded_with_a_200_and_no_exception_text()
    {
        using var http = factory.CreateClient();
        factory.Services.GetRequiredService<ErpCircuit>().Record(CircuitState.Open);
        factory.Services.GetRequiredService<JournalLagMetrics>().Report(new JournalLag(Partition: 1000, Events: 42, Seconds: 600, DeadLetters: 0, CheckpointAt: null));
        try
        {
            var (status, body) = await Eventually.Succeeds(
                async () =>
                {
                    using var response = await http.GetAsync(new Uri(HealthEndpoints.ReadyPath, UriKind.Relative));
                    var text = await response.Content.ReadAsStringAsync();
                    return Check(JsonDocument.Parse(text).RootElement, "webhook-dispatch").Status == "Degraded"
                        ? (response.StatusCode, text)
                        : throw new InvalidOperationException("no failed webhook round yet");
                },
                Deadline,
                "a failed webhook round");

            Assert.Equal(HttpStatusCode.OK, status);
            var health = JsonDocument.Parse(body).RootElement;
            Assert.Equal("Degraded", health.GetProperty("status").GetString());
            Assert.Equal("Healthy", Check(health, "orleans-cluster").Status);
            Assert.Equal(("Degraded", "ERP circuit open, postings wait"), Check(health, "erp-circuit"));
            Assert.Equal(("Degraded", "1 reader(s) behind, up to 600 s"), Check(health, "journal-readers"));
            Assert.StartsWith("webhook dispatch failing", Check(health, "webhook-dispatch").Description, StringComparison.Ordinal);
            foreach (var leak in new[] { "hunter2", "db.internal", "10.1.2.3", "Exception" })
            {
                Assert.DoesNotContain(leak, body, StringComparison.OrdinalIgnoreCase);
            }
        }
        finally
        {
            factory.Services.GetRequiredService<ErpCircuit>().Record(CircuitState.Closed);
            factory.Services.GetRequiredService<JournalLagMetrics>().Forget(1000);
        }
    }

    [Fact]
    public async Task Liveness_ignores_what_readiness_reports()
    {
        using var http = factory.CreateClient();

        using var live = await http.GetAsync(new Uri(HealthEndpoints.LivePath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal("Healthy", (await live.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_API_that_lost_one_gateway_of_three_stays_ready_without_a_call_to_the_cluster()
    {
        var connections = new GatewayConnections();
        var cluster = Unreachable.Cluster();
        connections.NotifyGatewayCountChanged(3, 2, connectionRecovered: false);

        // The silo that died may have held the management grain; readiness does not depend on reaching it.
        connections.NotifyGatewayCountChanged(2, 3, connectionRecovered: false);
        var result = await CheckAsync(connections, cluster);

        Assert.Equal(HealthStatus.Healthy, result.Status);
        Assert.Equal("2 gateway(s) connected", result.Description);
        Assert.Equal(0, ((Unreachable)(object)cluster).Calls);
    }

    [Fact]
    public async Task An_API_without_a_gateway_is_unready_and_its_check_says_nothing_of_the_failure()
    {
        var connections = new GatewayConnections();
        var cluster = Unreachable.Cluster();
        connections.NotifyGatewayCountChanged(1, 0, connectionRecovered: false);
        connections.NotifyClusterConnectionLost();

        var result = await CheckAsync(connections, cluster);

        Assert.Equal(HealthStatus.Unhealthy, result.Status);
        Assert.Equal("no gateway connected", result.Description);
        Assert.Null(result.Exception);
        Assert.Equal(1, ((Unreachable)(object)cluster).Calls);
    }

    private static Task<HealthCheckResult> CheckAsync(GatewayConnections connections, IGrainFactory cluster) =>
        new GatewayReadinessCheck(connections, cluster, NullLogger<GatewayReadinessCheck>.Instance).CheckHealthAsync(new HealthCheckContext());

    private static (string? Status, string? Description) Check(JsonElement health, string name)
    {
        var check = health.GetProperty("checks").GetProperty(name);
        return (check.GetProperty("status").GetString(), check.GetProperty("description").GetString());
    }

    /// <summary>The embedded grid with a webhook outbox whose every call fails, saying what must not leak.</summary>
    public sealed class DegradedGridFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Orleans:SiloPort", LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:GatewayPort", LoopbackPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:ClusterId", $"health-tests-{Guid.NewGuid():N}");
            builder.UseSetting("Auth:BootstrapKey", TestKeys.Admin);
            builder.ConfigureTestServices(services => services.AddSingleton(Unreachable.Create<IWebhookDeliveries>()));
        }

        protected override void ConfigureClient(HttpClient client)
        {
            ArgumentNullException.ThrowIfNull(client);
            base.ConfigureClient(client);
            client.DefaultRequestHeaders.Authorization = TestKeys.Bearer(TestKeys.Admin);
        }
    }

    /// <summary>A dependency whose every call fails with <see cref="Secret"/> in its message; counts the calls.</summary>
    public class Unreachable : DispatchProxy
    {
        public int Calls { get; private set; }

        public static T Create<T>()
            where T : class => Create<T, Unreachable>();

        public static IGrainFactory Cluster() => Create<IGrainFactory>();

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            Calls++;
            throw new InvalidOperationException($"Could not reach {Secret}");
        }
    }
}
