using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Operations;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.ReadModels;

/// <summary>Retention runs at start and then once per interval of the grid's clock, with the days kept from its options.</summary>
public sealed class ReadModelRetentionTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Resolved_items_are_removed_at_start_and_then_at_each_interval_once_past_their_days()
    {
        var clock = new FakeTimeProvider(Now);
        var store = new InMemoryReadModels();
        store.Apply(
        [
            new OpenExceptionItem(Item("X-old")),
            new ResolveExceptionItem("X-old", "done", Now.AddDays(-3)),
            new OpenExceptionItem(Item("X-soon")),
            new ResolveExceptionItem("X-soon", "done", Now.AddDays(-1)),
            new OpenExceptionItem(Item("X-open")),
        ]);
        var options = new ReadModelRetentionOptions { RetentionInterval = TimeSpan.FromHours(6), ResolvedExceptionDays = 2 };
        using var retention = new ReadModelRetention(store, Options.Create(options), clock, NullLogger<ReadModelRetention>.Instance);

        await retention.StartAsync(CancellationToken.None);
        await Eventually.Holds(async () => await store.FindExceptionAsync("X-old", default) is null, Deadline, "the item resolved 3 days ago is removed at start");
        Assert.NotNull(await store.FindExceptionAsync("X-soon", default));

        // A day on, the other item is exactly 2 days resolved, not past them; past them only at the next interval.
        clock.Advance(TimeSpan.FromDays(1));
        Assert.NotNull(await store.FindExceptionAsync("X-soon", default));
        clock.Advance(options.RetentionInterval);
        await Eventually.Holds(async () => await store.FindExceptionAsync("X-soon", default) is null, Deadline, "the second item is removed at the next interval");
        Assert.NotNull(await store.FindExceptionAsync("X-open", default));

        await retention.StopAsync(CancellationToken.None);
    }

    [Fact]
    public void Options_refuse_an_interval_or_days_kept_that_are_not_positive()
    {
        Assert.Throws<InvalidOperationException>(() => new ReadModelRetentionOptions { RetentionInterval = TimeSpan.Zero }.Validate());
        Assert.Throws<InvalidOperationException>(() => new ReadModelRetentionOptions { KpiBucketDays = 0 }.Validate());
        new ReadModelRetentionOptions().Validate();
    }

    private static ExceptionItem Item(string id) =>
        new(id, ExceptionQueue.DeliveryException, $"shipment/{id}", "late", Now.AddDays(-10), OwnerTeam.Operations, null, null, $"cause-{id}", "C-1");
}
