using System.Collections.Immutable;

namespace ShipmentGrid.Operations;

public sealed class ExceptionQueueGrain(
    [PersistentState("exception-queue", GridProviders.Storage)] IPersistentState<ExceptionQueueState> queue,
    TimeProvider clock) : Grain, IExceptionQueueGrain
{
    public async Task Open(ExceptionItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        // Open already, or resolved and told its cause again (a follower's repeated delivery): nothing changes.
        if (queue.State.Items.TryGetValue(item.ExceptionId, out var existing) && (existing.IsOpen || existing.Cause == item.Cause))
        {
            return;
        }

        queue.State.Items = queue.State.Items.SetItem(item.ExceptionId, item);
        await queue.WriteStateAsync();
    }

    public async Task<bool> Resolve(string exceptionId, string resolution)
    {
        if (!queue.State.Items.TryGetValue(exceptionId, out var item))
        {
            return false;
        }

        if (item.IsOpen)
        {
            queue.State.Items = queue.State.Items.SetItem(exceptionId, item with { Resolution = resolution, ResolvedAt = clock.GetUtcNow() });
            await queue.WriteStateAsync();
        }

        return true;
    }

    public Task<ExceptionItem?> Find(string exceptionId) =>
        Task.FromResult(queue.State.Items.TryGetValue(exceptionId, out var item) ? item : null);

    public Task<ImmutableArray<ExceptionItem>> List(bool openOnly, OwnerTeam owner) =>
        Task.FromResult(queue.State.Items.Values
            .Where(item => (!openOnly || item.IsOpen) && (owner == OwnerTeam.None || (item.Owners & owner) != 0))
            .OrderBy(item => item.OpenedAt)
            .ToImmutableArray());
}

[GenerateSerializer, Alias("sg.exception-queue-state.v1")]
public sealed class ExceptionQueueState
{
    [Id(0)]
    public ImmutableSortedDictionary<string, ExceptionItem> Items { get; set; } =
        ImmutableSortedDictionary.Create<string, ExceptionItem>(StringComparer.Ordinal);
}
