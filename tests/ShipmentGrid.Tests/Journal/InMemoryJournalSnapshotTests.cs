using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using ShipmentGrid.Billing;
using ShipmentGrid.Journal;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Journal;

/// <summary>The embedded journal keeps a writer's snapshot with the same guarantees as PostgreSQL: together with the events, or neither.</summary>
public sealed class InMemoryJournalSnapshotTests : IDisposable
{
    private const string StreamId = "invoice/S-SNAPSHOT";

    private readonly ServiceProvider services = new ServiceCollection()
        .AddSerializer(serializer => serializer.AddAssembly(typeof(Money).Assembly).AddAssembly(typeof(ShipmentState).Assembly))
        .BuildServiceProvider();

    private readonly InMemoryEventJournal journal;

    public InMemoryJournalSnapshotTests() =>
        journal = new InMemoryEventJournal(Options.Create(new JournalOptions()), TimeProvider.System, new ReadModels.InMemoryReadModels(), services.GetRequiredService<Serializer>());

    public void Dispose() => services.Dispose();

    [Fact]
    public async Task A_commit_stores_state_and_events_together_and_a_stale_one_writes_neither()
    {
        var state = new InvoiceState { FailedAttempts = 1 };
        Assert.True(await journal.CommitAsync<InvoiceState, IInvoiceEvent>(StreamId, SnapshotVersion.None, [Released("first")], state, CancellationToken.None));

        // Changing the writer's object after its commit does not change what was stored.
        state.FailedAttempts = 99;
        var stored = await journal.ReadSnapshotAsync<InvoiceState>(StreamId, CancellationToken.None);
        Assert.Equal((1, new SnapshotVersion(1, 1)), (stored?.State.FailedAttempts, stored?.Version));

        Assert.False(await journal.CommitAsync<InvoiceState, IInvoiceEvent>(StreamId, SnapshotVersion.None, [Released("stale")], new InvoiceState { FailedAttempts = 2 }, CancellationToken.None));
        Assert.True(await journal.CommitAsync<InvoiceState, IInvoiceEvent>(StreamId, stored!.Version, [], new InvoiceState { FailedAttempts = 3 }, CancellationToken.None));
        Assert.False(await journal.CommitAsync<InvoiceState, IInvoiceEvent>(StreamId, stored.Version, [], new InvoiceState { FailedAttempts = 4 }, CancellationToken.None));

        var final = await journal.ReadSnapshotAsync<InvoiceState>(StreamId, CancellationToken.None);
        Assert.Equal((3, new SnapshotVersion(1, 2)), (final?.State.FailedAttempts, final?.Version));
        Assert.Equal(["S-SNAPSHOT/first"], (await journal.ReadAsync<IInvoiceEvent>(StreamId, CancellationToken.None)).Select(journaled => journaled.EventId));
        Assert.Null(await journal.ReadSnapshotAsync<InvoiceState>("invoice/S-NEVER", CancellationToken.None));
    }

    private static InvoiceReleased Released(string copy) =>
        new($"S-SNAPSHOT/{copy}", "S-SNAPSHOT", "INV-S-SNAPSHOT", "C-SNAPSHOT", DateTimeOffset.UtcNow);
}
