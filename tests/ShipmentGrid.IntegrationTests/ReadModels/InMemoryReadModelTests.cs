using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orleans.Serialization;
using ShipmentGrid.Journal;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.ReadModels;

/// <summary>The read-model contract on the embedded grid's in-memory store, and its journal's all-or-nothing advance.</summary>
public sealed class InMemoryReadModelTests : ReadModelContract
{
    private readonly InMemoryReadModels store = new();

    [Fact]
    public async Task A_reader_whose_checkpoint_moved_on_applies_none_of_its_changes()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var journal = new InMemoryEventJournal(
            Options.Create(new JournalOptions { Partitions = 1 }), new FakeTimeProvider(T0), store, services.GetRequiredService<Serializer>());
        Assert.True(await journal.TryAdvanceAsync(0, JournalCursor.Start, new JournalCursor(1, 1), [Track("S-1", "C-1", T0)], default));

        var stale = await journal.TryAdvanceAsync(0, JournalCursor.Start, new JournalCursor(2, 2), [Track("S-2", "C-1", T0)], default);

        Assert.False(stale);
        Assert.Equal(["S-1"], (await Store.ListCustomerShipmentsAsync("C-1", PageRequest.First(), default)).Items.Select(shipment => shipment.ShipmentId));
    }

    protected override Task<IReadModels> CreateStoreAsync() => Task.FromResult<IReadModels>(store);
}
