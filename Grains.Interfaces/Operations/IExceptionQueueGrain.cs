using System.Collections.Immutable;

namespace ShipmentGrid.Operations;

/// <summary>One operational exception queue (billing-incomplete, credit-hold, ...), keyed by its queue name.</summary>
[Alias("sg.IExceptionQueueGrain")]
public interface IExceptionQueueGrain : IGrainWithStringKey
{
    /// <summary>Opens the item; opening an item that is already open changes nothing.</summary>
    [Alias("Open")]
    Task Open(ExceptionItem item);

    /// <summary>Resolves an open item; false when there is no such item. Resolving twice keeps the first resolution.</summary>
    [Alias("Resolve")]
    Task<bool> Resolve(string exceptionId, string resolution);

    /// <summary>One item, open or resolved; null when the queue never had it.</summary>
    [Alias("Find")]
    Task<ExceptionItem?> Find(string exceptionId);

    /// <summary>Items oldest first, optionally only open ones or those a team owns.</summary>
    [Alias("List")]
    Task<ImmutableArray<ExceptionItem>> List(bool openOnly, OwnerTeam owner);
}
