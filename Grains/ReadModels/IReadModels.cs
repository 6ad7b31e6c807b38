using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.ReadModels;

/// <summary>
/// The read models: exception queues, service cases, the CRM notification outbox, customers' shipment lists, dead
/// letters and KPI time buckets, as indexed rows (PostgreSQL; in memory in the embedded grid). Journal readers write
/// them with their checkpoint (<see cref="Journal.IJournalFeed.TryAdvanceAsync"/>); the API reads them directly,
/// without activating a grain. Every list pages by keyset in a stable order.
/// </summary>
public interface IReadModels
{
    /// <summary>Applies changes that no journal event carries (dead letters, duplicates, a person's resolution) in one transaction.</summary>
    Task ApplyAsync(IReadOnlyList<ReadModelChange> changes, CancellationToken cancellationToken);

    /// <summary>Items oldest first (opened at, then id).</summary>
    Task<Page<ExceptionItem>> ListExceptionsAsync(ExceptionQuery query, PageRequest page, CancellationToken cancellationToken);

    Task<ExceptionItem?> FindExceptionAsync(string exceptionId, CancellationToken cancellationToken);

    /// <summary>The customer's cases oldest first (opened at, then id), optionally only those not resolved.</summary>
    Task<Page<ServiceCaseView>> ListCasesAsync(string customerId, bool openOnly, PageRequest page, CancellationToken cancellationToken);

    Task<ServiceCaseView?> FindCaseAsync(string customerId, string caseId, CancellationToken cancellationToken);

    /// <summary>The customer's CRM notifications oldest first (occurred at, then id).</summary>
    Task<Page<CrmNotification>> ListNotificationsAsync(string customerId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>The customer's shipments newest first (booked at, then id, both descending).</summary>
    Task<Page<CustomerShipment>> ListCustomerShipmentsAsync(string customerId, PageRequest page, CancellationToken cancellationToken);

    /// <summary>The carrier's dead letters oldest first (dead-lettered at, then event id).</summary>
    Task<Page<DeadLetter>> ListDeadLettersAsync(string carrierId, PageRequest page, CancellationToken cancellationToken);

    Task<DeadLetter?> FindDeadLetterAsync(string carrierId, string eventId, CancellationToken cancellationToken);

    /// <summary>
    /// The booked shipments a reference names, newest booking first (at most <paramref name="limit"/>), of one carrier or of any.
    /// </summary>
    Task<ImmutableArray<ShipmentMatch>> FindShipmentsAsync(
        ShipmentReferenceKind kind, string reference, string? carrierId, int limit, CancellationToken cancellationToken);

    /// <summary>Dead letters across carriers oldest first (dead-lettered at, carrier, event id), as the query filters them.</summary>
    Task<Page<DeadLetter>> ListDeadLettersAsync(DeadLetterQuery query, PageRequest page, CancellationToken cancellationToken);

    /// <summary>Each metric the subject has, summed over the UTC days from <paramref name="firstDay"/> up to, not including, <paramref name="endDay"/>.</summary>
    Task<ImmutableArray<KpiAggregate>> ReadKpisAsync(KpiSubject subject, DateOnly firstDay, DateOnly endDay, CancellationToken cancellationToken);

    /// <summary>Open exception items per queue (only queues that have any) by age at <paramref name="now"/>, for the open-exception gauges.</summary>
    Task<ImmutableArray<OpenExceptionAges>> CountOpenExceptionsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes, in bounded batches, what retention no longer keeps; the number of rows removed.</summary>
    Task<long> PurgeAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken);
}

/// <summary>
/// A queue's open exception items by age: opened within the last hour, the last day (but not hour), the last week (but
/// not day), or earlier; and when the oldest was opened.
/// </summary>
public sealed record OpenExceptionAges(ExceptionQueue Queue, long UnderAnHour, long UnderADay, long UnderAWeek, long Older, DateTimeOffset OldestOpenedAt)
{
    /// <summary>The age bands' lower bounds, youngest first.</summary>
    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);
    public static readonly TimeSpan Week = TimeSpan.FromDays(7);

    public long Total => UnderAnHour + UnderADay + UnderAWeek + Older;

    /// <summary>The counts of the <paramref name="open"/> items (queue, opened at) as seen at <paramref name="now"/>, per queue.</summary>
    public static ImmutableArray<OpenExceptionAges> Count(IEnumerable<(ExceptionQueue Queue, DateTimeOffset OpenedAt)> open, DateTimeOffset now) =>
        [.. open.GroupBy(item => item.Queue).OrderBy(group => group.Key).Select(group => new OpenExceptionAges(
            group.Key,
            group.LongCount(item => now - item.OpenedAt < Hour),
            group.LongCount(item => now - item.OpenedAt >= Hour && now - item.OpenedAt < Day),
            group.LongCount(item => now - item.OpenedAt >= Day && now - item.OpenedAt < Week),
            group.LongCount(item => now - item.OpenedAt >= Week),
            group.Min(item => item.OpenedAt)))];
}

/// <summary>Which exception items: of these queues (all when empty), only open ones, opened at or before a time.</summary>
public sealed record ExceptionQuery(ImmutableArray<ExceptionQueue> Queues, bool OpenOnly, DateTimeOffset? OpenedAtOrBefore);

/// <summary>One line of a customer's shipment list, kept by the journal readers.</summary>
public sealed record CustomerShipment(
    string ShipmentId,
    string CustomerId,
    string CarrierId,
    DateTimeOffset BookedAt,
    ShipmentStatus Status,
    BillingStatus BillingStatus,
    string? InvoiceNumber,
    InvoiceStatus? InvoiceStatus,
    DateTimeOffset UpdatedAt);

/// <summary>What retention removes: what was resolved, replayed, sent or decided before each cutoff.</summary>
public sealed record RetentionCutoffs(
    DateTimeOffset ResolvedExceptions,
    DateTimeOffset ResolvedCases,
    DateTimeOffset Notifications,
    DateTimeOffset ReplayedDeadLetters,
    DateTimeOffset QueuedEventOutcomes,
    DateOnly KpiBuckets);
