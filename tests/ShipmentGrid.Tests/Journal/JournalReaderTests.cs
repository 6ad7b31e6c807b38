using System.Diagnostics.Metrics;
using ShipmentGrid.Journal;

namespace ShipmentGrid.Tests.Journal;

/// <summary>The partition reader: order, checkpoint and lag, slow and failing followers, waiting out an unreachable one.</summary>
public sealed class JournalReaderTests(JournalReaderCluster silo) : IClassFixture<JournalReaderCluster>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private static ScriptedFollowers Followers => JournalReaderCluster.Followers;

    private IJournalReaderGrain Reader => silo.Grains.GetGrain<IJournalReaderGrain>(0);

    /// <summary>The latest value of this silo's <c>shipment_grid.journal.reader.backlog</c> gauge for partition 0; null when it reports none.</summary>
    private long? LagGauge()
    {
        long? observed = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, subscribe) =>
        {
            if (instrument.Meter.Name == JournalLagMetrics.MeterName && instrument.Name == "shipment_grid.journal.reader.backlog" && instrument.Meter.Scope == silo.MeterScope)
            {
                subscribe.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "shipment_grid.journal.partition" && Equals(tag.Value, 0))
                {
                    observed = value;
                }
            }
        });
        listener.Start();
        listener.RecordObservableInstruments();
        return observed;
    }

    [Fact]
    public async Task Committed_events_reach_their_follower_once_in_order_and_the_lag_returns_to_zero()
    {
        await AppendAsync("order/a", 0, "a1", "a2");
        await AppendAsync("order/b", 0, "b1");
        await AppendAsync("order/a", 2, "a3");

        await UntilAsync(() => Followers.DeliveredTo("order/a").Count == 3 && Followers.DeliveredTo("order/b").Count == 1, "every event delivered");
        Assert.Equal([(1, "a1"), (2, "a2"), (3, "a3")], Followers.DeliveredTo("order/a").Select(entry => (entry.Version, (string)entry.Event)));
        var lag = await UntilLagAsync(lag => lag.Events == 0);
        Assert.Equal(0, lag.Seconds);
    }

    [Fact]
    public async Task The_reader_lag_is_a_metric_of_the_silo_hosting_the_reader()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Followers.Script("metric/slow", _ => release.Task);
        await AppendAsync("metric/slow", 0, "m1");
        await UntilAsync(() => Followers.AttemptsOn("metric/slow") == 1, "the slow delivery started");
        await AppendAsync("metric/waiting", 0, "w1");
        await UntilLagAsync(lag => lag.Events >= 1);

        Assert.True(LagGauge() >= 1, "the gauge shows the waiting event");

        release.SetResult();
        await UntilLagAsync(lag => lag.Events == 0);
        Assert.Equal(0, LagGauge());
    }

    [Fact]
    public async Task A_slow_follower_delays_its_neighbours_but_nothing_is_dead_lettered_for_waiting()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Followers.Script("slow/s", _ => release.Task);
        var deadLettersBefore = (await Reader.GetLag()).DeadLetters;

        await AppendAsync("slow/s", 0, "s1");
        await UntilAsync(() => Followers.AttemptsOn("slow/s") == 1, "the slow delivery started");
        await AppendAsync("slow/neighbour", 0, "n1");
        await UntilLagAsync(lag => lag.Events >= 1);

        release.SetResult();

        await UntilAsync(() => Followers.DeliveredTo("slow/neighbour").Count == 1, "the neighbour delivered");
        Assert.Single(Followers.DeliveredTo("slow/s"));
        Assert.Equal(1, Followers.AttemptsOn("slow/s"));
        var lag = await UntilLagAsync(lag => lag.Events == 0);
        Assert.Equal(deadLettersBefore, lag.DeadLetters);
    }

    [Fact]
    public async Task An_event_its_follower_fails_every_time_is_dead_lettered_alone_after_the_configured_attempts()
    {
        Followers.Script("poison/p", _ => throw new InvalidOperationException("the follower cannot take this event"));
        var deadLettersBefore = (await Reader.GetLag()).DeadLetters;

        await AppendAsync("poison/p", 0, "p1");
        await AppendAsync("poison/healthy", 0, "h1");

        var lag = await UntilLagAsync(lag => lag.Events == 0 && lag.DeadLetters == deadLettersBefore + 1);
        Assert.Equal(JournalReaderCluster.MaxDeliveryAttempts, Followers.AttemptsOn("poison/p"));
        Assert.Empty(Followers.DeliveredTo("poison/p"));
        Assert.Single(Followers.DeliveredTo("poison/healthy"));
        Assert.Equal(0, lag.Events);
    }

    /// <summary>
    /// Its silo gone, or its own commit refused while the journal's writer is behind (a burst of proofs of delivery
    /// opening invoices): neither may dead-letter the event, or its shipment would never be invoiced.
    /// </summary>
    [Theory]
    [InlineData("unreachable")]
    [InlineData("saturated")]
    public async Task A_follower_that_is_unreachable_or_whose_journal_is_saturated_is_waited_out_however_often_it_fails(string failure)
    {
        var failures = JournalReaderCluster.MaxDeliveryAttempts * 3;
        var streamId = $"transient/{failure}";
        Followers.Script(streamId, attempt => attempt <= failures
            ? throw (failure == "saturated" ? new JournalSaturatedException() : new SiloUnavailableException("the follower's silo is gone"))
            : Task.CompletedTask);
        var deadLettersBefore = (await Reader.GetLag()).DeadLetters;

        await AppendAsync(streamId, 0, "t1");

        await UntilAsync(() => Followers.DeliveredTo(streamId).Count == 1, "delivered once the follower can take it");
        Assert.Equal(failures + 1, Followers.AttemptsOn(streamId));
        var lag = await UntilLagAsync(lag => lag.Events == 0);
        Assert.Equal(deadLettersBefore, lag.DeadLetters);
    }

    private async Task AppendAsync(string streamId, int expectedVersion, params string[] events) =>
        Assert.True(await silo.Journal.AppendAsync(streamId, expectedVersion, events, CancellationToken.None));

    private async Task<JournalLag> UntilLagAsync(Func<JournalLag, bool> done)
    {
        JournalLag? lag = null;
        await UntilAsync(async () => done(lag = await Reader.GetLag()), "the reader's lag");
        return lag!;
    }

    private static Task UntilAsync(Func<bool> done, string what) => UntilAsync(() => Task.FromResult(done()), what);

    private static async Task UntilAsync(Func<Task<bool>> done, string what)
    {
        using var timeout = new CancellationTokenSource(Deadline);
        while (!await done())
        {
            if (timeout.IsCancellationRequested)
            {
                throw new TimeoutException($"{what}: not within {Deadline}.");
            }

            await Task.Delay(PollInterval, CancellationToken.None);
        }
    }
}
