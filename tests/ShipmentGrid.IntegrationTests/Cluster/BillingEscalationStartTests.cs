using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Billing;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Cluster;

/// <summary>
/// A silo starts, and answers, while the billing escalation sweep it makes sure of is still being started: the sweep's
/// start is retried after failures until its reminder is registered, instead of being a startup task the silo's start
/// waits for (and fails with).
/// </summary>
public sealed class BillingEscalationStartTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_silo_whose_escalation_sweep_fails_to_start_twice_starts_anyway_and_registers_the_sweep_on_a_later_try()
    {
        var failing = new FailingStarts(failures: 2);
        await using var factory = new FailingStartFactory(failing);
        using var http = factory.CreateClient();

        using (var ready = await http.GetAsync(new Uri("/health/ready", UriKind.Relative)))
        {
            Assert.True(ready.IsSuccessStatusCode, $"ready answered {(int)ready.StatusCode}");
        }

        var escalation = factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IBillingEscalationGrain>(0).GetGrainId();
        var reminders = factory.Services.GetRequiredService<IReminderTable>();
        await Eventually.Holds(
            async () => (await reminders.ReadRows(escalation)).Reminders.Any(entry => entry.ReminderName == BillingEscalationGrain.SweepReminder),
            Deadline,
            "the escalation sweep's reminder registered");
        Assert.Equal(3, failing.Calls);
    }

    private sealed class FailingStartFactory(FailingStarts failing) : EmbeddedApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => services.AddSingleton<IIncomingGrainCallFilter>(failing));
        }
    }

    /// <summary>Fails the first <c>failures</c> calls of <see cref="IBillingEscalationGrain.Start"/>, as an unreachable reminder table would.</summary>
    private sealed class FailingStarts(int failures) : IIncomingGrainCallFilter
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public Task Invoke(IIncomingGrainCallContext context)
        {
            if (context.Grain is IBillingEscalationGrain && context.MethodName == nameof(IBillingEscalationGrain.Start)
                && Interlocked.Increment(ref calls) <= failures)
            {
                throw new TimeoutException("reminder table unreachable (test)");
            }

            return context.Invoke();
        }
    }
}
