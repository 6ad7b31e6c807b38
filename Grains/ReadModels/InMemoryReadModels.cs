using System.Collections.Immutable;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.ReadModels;

/// <summary>
/// The embedded grid's read models, as long as the process lives. One lock guards everything; each list keeps its
/// keys sorted in its page order, so a page starts at its cursor instead of scanning the list. The in-memory journal
/// applies a reader's changes through <see cref="Apply"/> under its own lock, with the checkpoint move.
/// </summary>
public sealed class InMemoryReadModels : IReadModels
{
    private readonly Lock gate = new();
    private readonly Dictionary<string, ExceptionItem> items = new(StringComparer.Ordinal);
    private readonly SortedSet<KeysetCursor> itemOrder = new(KeysetOrder.Instance);
    private readonly SortedSet<KeysetCursor> openItemOrder = new(KeysetOrder.Instance);
    private readonly Dictionary<string, CaseRow> cases = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<KeysetCursor>> caseOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<KeysetCursor>> openCaseOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CrmNotification> notifications = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<KeysetCursor>> notificationOrder = new(StringComparer.Ordinal);
    private readonly Queue<QueueNotification> undeliveredNotifications = new();
    private readonly Dictionary<string, CustomerShipment> shipments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedSet<KeysetCursor>> shipmentOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<(string CarrierId, string EventId), DeadLetter> deadLetters = [];
    private readonly Dictionary<string, SortedSet<KeysetCursor>> deadLetterOrder = new(StringComparer.Ordinal);
    private readonly Dictionary<(ShipmentReferenceKind Kind, string Reference), Dictionary<string, ShipmentMatch>> references = [];
    private readonly Dictionary<KpiSubject, Dictionary<(string Metric, DateOnly Day), KpiBucket>> kpis = [];

    public Task ApplyAsync(IReadOnlyList<ReadModelChange> changes, CancellationToken cancellationToken)
    {
        Apply(changes);
        return Task.CompletedTask;
    }

    /// <summary>Applies the changes in order, all under the lock (the journal calls it under its own lock too).</summary>
    public void Apply(IReadOnlyList<ReadModelChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (gate)
        {
            foreach (var change in changes)
            {
                ApplyOne(change);
            }
        }
    }

    public Task<Page<ExceptionItem>> ListExceptionsAsync(ExceptionQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (gate)
        {
            var queues = query.Queues.IsDefaultOrEmpty ? null : query.Queues.ToHashSet();
            return Task.FromResult(PageOf(
                query.OpenOnly ? openItemOrder : itemOrder,
                page,
                descending: false,
                key => items[key.Id] is var item
                    && (queues is null || queues.Contains(item.Queue))
                    && (query.OpenedAtOrBefore is not { } latest || item.OpenedAt <= latest)
                    ? item
                    : null,
                item => new KeysetCursor(item.OpenedAt, item.ExceptionId)));
        }
    }

    public Task<ImmutableArray<OpenExceptionAges>> CountOpenExceptionsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(OpenExceptionAges.Count(openItemOrder.Select(key => (items[key.Id].Queue, items[key.Id].OpenedAt)), now));
        }
    }

    public Task<ExceptionItem?> FindExceptionAsync(string exceptionId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(items.GetValueOrDefault(exceptionId));
        }
    }

    public Task<Page<ServiceCaseView>> ListCasesAsync(string customerId, bool openOnly, PageRequest page, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(PageOf(
                (openOnly ? openCaseOrder : caseOrder).GetValueOrDefault(customerId),
                page,
                descending: false,
                key => cases[key.Id].View,
                view => new KeysetCursor(view.OpenedAt, view.CaseId)));
        }
    }

    public Task<ServiceCaseView?> FindCaseAsync(string customerId, string caseId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(cases.TryGetValue(caseId, out var row) && row.View.CustomerId == customerId ? row.View : null);
        }
    }

    public Task<Page<CrmNotification>> ListNotificationsAsync(string customerId, PageRequest page, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(PageOf(
                notificationOrder.GetValueOrDefault(customerId),
                page,
                descending: false,
                key => notifications[key.Id],
                notification => new KeysetCursor(notification.OccurredAt, notification.NotificationId)));
        }
    }

    /// <summary>The webhook outbox's side: notifications in the order they were queued, each handed out once, with the trace context that queued it.</summary>
    public ImmutableArray<QueueNotification> TakeUndeliveredNotifications(int limit)
    {
        lock (gate)
        {
            var taken = ImmutableArray.CreateBuilder<QueueNotification>();
            while (taken.Count < limit && undeliveredNotifications.TryDequeue(out var notification))
            {
                taken.Add(notification);
            }

            return taken.ToImmutable();
        }
    }

    public CrmNotification? FindNotification(string notificationId)
    {
        lock (gate)
        {
            return notifications.GetValueOrDefault(notificationId);
        }
    }

    public Task<Page<CustomerShipment>> ListCustomerShipmentsAsync(string customerId, PageRequest page, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(PageOf(
                shipmentOrder.GetValueOrDefault(customerId),
                page,
                descending: true,
                key => shipments[key.Id],
                shipment => new KeysetCursor(shipment.BookedAt, shipment.ShipmentId)));
        }
    }

    public Task<Page<DeadLetter>> ListDeadLettersAsync(string carrierId, PageRequest page, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(PageOf(
                deadLetterOrder.GetValueOrDefault(carrierId),
                page,
                descending: false,
                key => deadLetters[(carrierId, key.Id)],
                letter => new KeysetCursor(letter.DeadLetteredAt, letter.CarrierEvent.EventId)));
        }
    }

    public Task<Page<DeadLetter>> ListDeadLettersAsync(DeadLetterQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null ? null : DeadLetterCursor.Decode(page.After);
        lock (gate)
        {
            var items = deadLetters.Values
                .Where(query.Matches)
                .OrderBy(letter => letter.DeadLetteredAt)
                .ThenBy(letter => letter.CarrierEvent.CarrierId, StringComparer.Ordinal)
                .ThenBy(letter => letter.CarrierEvent.EventId, StringComparer.Ordinal)
                .Where(letter => after is not { } cursor || DeadLetterCursor.Of(letter).CompareTo(cursor) > 0)
                .Take(page.Limit + 1)
                .ToList();
            return Task.FromResult(KeysetCursor.PageOf(items, page.Limit, letter => DeadLetterCursor.Of(letter).AsKeyset()));
        }
    }

    public Task<ImmutableArray<ShipmentMatch>> FindShipmentsAsync(
        ShipmentReferenceKind kind, string reference, string? carrierId, int limit, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult<ImmutableArray<ShipmentMatch>>(references.TryGetValue((kind, reference), out var byCarrier)
                ? [.. byCarrier.Values.Where(match => carrierId is null || match.CarrierId == carrierId)
                    .OrderByDescending(match => match.BookedAt).ThenBy(match => match.CarrierId, StringComparer.Ordinal).Take(limit)]
                : []);
        }
    }

    /// <summary>The references a booking names, each with its kind (blank ones are no reference).</summary>
    public static IEnumerable<(ShipmentReferenceKind Kind, string Reference)> ReferencesOf(ShipmentReferences? references)
    {
        if (!string.IsNullOrWhiteSpace(references?.ProNumber))
        {
            yield return (ShipmentReferenceKind.ProNumber, references.ProNumber);
        }

        if (!string.IsNullOrWhiteSpace(references?.BillOfLading))
        {
            yield return (ShipmentReferenceKind.BillOfLading, references.BillOfLading);
        }

        if (!string.IsNullOrWhiteSpace(references?.PurchaseOrder))
        {
            yield return (ShipmentReferenceKind.PurchaseOrder, references.PurchaseOrder);
        }
    }

    public Task<DeadLetter?> FindDeadLetterAsync(string carrierId, string eventId, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(deadLetters.GetValueOrDefault((carrierId, eventId)));
        }
    }

    public Task<ImmutableArray<KpiAggregate>> ReadKpisAsync(KpiSubject subject, DateOnly firstDay, DateOnly endDay, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            return Task.FromResult(KpiBucket.Aggregate(
                (kpis.GetValueOrDefault(subject) ?? [])
                    .Where(entry => entry.Key.Day >= firstDay && entry.Key.Day < endDay)
                    .Select(entry => (entry.Key.Metric, entry.Value))));
        }
    }

    public Task<long> PurgeAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        lock (gate)
        {
            long removed = 0;
            foreach (var item in items.Values.Where(item => item.ResolvedAt < cutoffs.ResolvedExceptions).ToList())
            {
                items.Remove(item.ExceptionId);
                itemOrder.Remove(new KeysetCursor(item.OpenedAt, item.ExceptionId));
                removed++;
            }

            foreach (var row in cases.Values.Where(row => row.ResolvedAt < cutoffs.ResolvedCases).ToList())
            {
                cases.Remove(row.View.CaseId);
                caseOrder[row.View.CustomerId].Remove(KeyOf(row.View));
                removed++;
            }

            foreach (var notification in notifications.Values.Where(notification => notification.OccurredAt < cutoffs.Notifications).ToList())
            {
                notifications.Remove(notification.NotificationId);
                notificationOrder[notification.CustomerId].Remove(new KeysetCursor(notification.OccurredAt, notification.NotificationId));
                removed++;
            }

            foreach (var letter in deadLetters.Values
                .Where(letter => (letter.Status == DeadLetterStatus.Replayed && letter.ReplayedAt < cutoffs.ReplayedDeadLetters)
                    || (letter.Status == DeadLetterStatus.Discarded && letter.DiscardedAt < cutoffs.ReplayedDeadLetters)).ToList())
            {
                deadLetters.Remove((letter.CarrierEvent.CarrierId, letter.CarrierEvent.EventId));
                deadLetterOrder[letter.CarrierEvent.CarrierId].Remove(new KeysetCursor(letter.DeadLetteredAt, letter.CarrierEvent.EventId));
                removed++;
            }

            foreach (var buckets in kpis.Values)
            {
                foreach (var key in buckets.Keys.Where(key => key.Day < cutoffs.KpiBuckets).ToList())
                {
                    buckets.Remove(key);
                    removed++;
                }
            }

            return Task.FromResult(removed);
        }
    }

    private void ApplyOne(ReadModelChange change)
    {
        switch (change)
        {
            case OpenExceptionItem open:
                OpenItem(open.Item);
                break;
            case ResolveExceptionItem resolve:
                if (items.TryGetValue(resolve.ExceptionId, out var item) && item.IsOpen)
                {
                    items[item.ExceptionId] = item with { Resolution = resolve.Resolution, ResolvedAt = resolve.ResolvedAt };
                    openItemOrder.Remove(new KeysetCursor(item.OpenedAt, item.ExceptionId));
                }

                break;
            case OpenServiceCase open:
                OpenCase(open);
                break;
            case ResolveServiceCase resolve:
                ResolveCase(resolve);
                break;
            case QueueNotification queue:
                if (notifications.TryAdd(queue.Notification.NotificationId, queue.Notification))
                {
                    undeliveredNotifications.Enqueue(queue);
                    OrderOf(notificationOrder, queue.Notification.CustomerId)
                        .Add(new KeysetCursor(queue.Notification.OccurredAt, queue.Notification.NotificationId));
                }

                break;
            case IndexShipmentReferences index:
                foreach (var (kind, reference) in ReferencesOf(index.Booking.References))
                {
                    if (!references.TryGetValue((kind, reference), out var byCarrier))
                    {
                        references[(kind, reference)] = byCarrier = new Dictionary<string, ShipmentMatch>(StringComparer.Ordinal);
                    }

                    if (!byCarrier.TryGetValue(index.Booking.CarrierId, out var known) || known.BookedAt <= index.BookedAt)
                    {
                        byCarrier[index.Booking.CarrierId] = new ShipmentMatch(index.Booking.ShipmentId, index.Booking.CarrierId, index.Booking.CustomerId, index.BookedAt);
                    }
                }

                break;
            case TrackCustomerShipment track:
                if (shipments.TryAdd(track.ShipmentId, new CustomerShipment(
                    track.ShipmentId, track.CustomerId, track.CarrierId, track.BookedAt, default, default, null, null, track.BookedAt)))
                {
                    OrderOf(shipmentOrder, track.CustomerId).Add(new KeysetCursor(track.BookedAt, track.ShipmentId));
                }

                break;
            case AdvanceCustomerShipment advance:
                if (shipments.TryGetValue(advance.ShipmentId, out var shipment))
                {
                    shipments[advance.ShipmentId] = ReadModelRules.Advance(shipment, advance);
                }

                break;
            case CountKpi count:
                AddKpi(count.Subject, count.Metric, count.At, KpiBucket.Counted(count.Count));
                break;
            case ObserveKpi observe:
                AddKpi(observe.Subject, observe.Metric, observe.At, KpiBucket.Observed(observe.Value));
                break;
            case KeepDeadLetter keep:
                KeepLetter(keep);
                break;
            case CountDeadLetterReplay replay:
                if (deadLetters.TryGetValue((replay.CarrierId, replay.EventId), out var counted))
                {
                    deadLetters[(replay.CarrierId, replay.EventId)] = counted with { ReplayAttempts = counted.ReplayAttempts + 1 };
                }

                break;
            case MarkDeadLetterReplayed replayed:
                if (deadLetters.TryGetValue((replayed.CarrierId, replayed.EventId), out var letter) && letter.Status == DeadLetterStatus.Open)
                {
                    deadLetters[(replayed.CarrierId, replayed.EventId)] = letter with { Status = DeadLetterStatus.Replayed, ReplayedAt = replayed.At };
                }

                break;
            case DiscardDeadLetter discard:
                if (deadLetters.TryGetValue((discard.CarrierId, discard.EventId), out var discarded) && discarded.Status == DeadLetterStatus.Open)
                {
                    deadLetters[(discard.CarrierId, discard.EventId)] =
                        discarded with { Status = DeadLetterStatus.Discarded, DiscardReason = discard.Reason, DiscardedAt = discard.At };
                }

                break;
            default:
                throw new ArgumentException($"Unknown read-model change {change.GetType().Name}.", nameof(change));
        }
    }

    private void OpenItem(ExceptionItem item)
    {
        // Open already, or resolved and told its cause again (a repeated delivery): nothing changes.
        if (items.TryGetValue(item.ExceptionId, out var existing))
        {
            if (existing.IsOpen || existing.Cause == item.Cause)
            {
                return;
            }

            itemOrder.Remove(new KeysetCursor(existing.OpenedAt, existing.ExceptionId));
        }

        items[item.ExceptionId] = item with { Resolution = null, ResolvedAt = null };
        itemOrder.Add(new KeysetCursor(item.OpenedAt, item.ExceptionId));
        openItemOrder.Add(new KeysetCursor(item.OpenedAt, item.ExceptionId));
    }

    private void OpenCase(OpenServiceCase open)
    {
        if (!cases.TryGetValue(open.CaseId, out var row))
        {
            var view = new ServiceCaseView(open.CaseId, open.CustomerId, open.ShipmentId, open.Reason, ServiceCaseStatus.Open, open.Entry.At, [open.Entry]);
            cases[open.CaseId] = new CaseRow(view, null);
            OrderOf(caseOrder, open.CustomerId).Add(KeyOf(view));
            OrderOf(openCaseOrder, open.CustomerId).Add(KeyOf(view));
            return;
        }

        if (ReadModelRules.HasEntryFrom(row.View, open.Entry))
        {
            return;
        }

        var status = row.View.Status == ServiceCaseStatus.Resolved ? ServiceCaseStatus.Open : row.View.Status;
        cases[open.CaseId] = new CaseRow(row.View with { Status = status, Timeline = Bounded(row.View.Timeline.Add(open.Entry)) }, null);
        OrderOf(openCaseOrder, row.View.CustomerId).Add(KeyOf(row.View));
    }

    private void ResolveCase(ResolveServiceCase resolve)
    {
        if (!cases.TryGetValue(resolve.CaseId, out var row)
            || row.View.Status == ServiceCaseStatus.Resolved
            || ReadModelRules.HasEntryFrom(row.View, resolve.Entry))
        {
            return;
        }

        cases[resolve.CaseId] = new CaseRow(
            row.View with { Status = ServiceCaseStatus.Resolved, Timeline = Bounded(row.View.Timeline.Add(resolve.Entry)) }, resolve.Entry.At);
        openCaseOrder[row.View.CustomerId].Remove(KeyOf(row.View));
    }

    private void KeepLetter(KeepDeadLetter keep)
    {
        var key = (keep.CarrierEvent.CarrierId, keep.CarrierEvent.EventId);
        if (deadLetters.TryGetValue(key, out var existing))
        {
            deadLetters[key] = existing with
            {
                Reason = keep.Reason, ReasonCode = keep.ReasonCode, Status = DeadLetterStatus.Open, ReplayedAt = null, DiscardReason = null, DiscardedAt = null,
                Reference = keep.Reference ?? existing.Reference,
            };
            return;
        }

        deadLetters[key] = new DeadLetter(keep.CarrierEvent, keep.Reason, keep.At, DeadLetterStatus.Open, 0, null, keep.ReasonCode, Reference: keep.Reference);
        OrderOf(deadLetterOrder, keep.CarrierEvent.CarrierId).Add(new KeysetCursor(keep.At, keep.CarrierEvent.EventId));
        AddKpi(KpiSubject.Carrier(keep.CarrierEvent.CarrierId), KpiMetrics.DeadLetters, keep.At, KpiBucket.Counted(1));
    }

    private void AddKpi(KpiSubject subject, string metric, DateTimeOffset at, KpiBucket increment)
    {
        if (!kpis.TryGetValue(subject, out var buckets))
        {
            kpis[subject] = buckets = [];
        }

        var key = (metric, KpiBucket.DayOf(at));
        buckets[key] = buckets.TryGetValue(key, out var bucket) ? bucket.Plus(increment) : increment;
    }

    private static ImmutableArray<ServiceCaseEntry> Bounded(ImmutableArray<ServiceCaseEntry> timeline) =>
        timeline.Length > ReadModelRules.MaxTimelineEntries ? timeline.RemoveRange(0, timeline.Length - ReadModelRules.MaxTimelineEntries) : timeline;

    private static KeysetCursor KeyOf(ServiceCaseView view) => new(view.OpenedAt, view.CaseId);

    private static SortedSet<KeysetCursor> OrderOf(Dictionary<string, SortedSet<KeysetCursor>> orders, string owner)
    {
        if (!orders.TryGetValue(owner, out var order))
        {
            orders[owner] = order = new SortedSet<KeysetCursor>(KeysetOrder.Instance);
        }

        return order;
    }

    /// <summary>The page after the request's cursor: the sorted keys are entered at the cursor, items that fail the filter (null) skipped.</summary>
    private static Page<T> PageOf<T>(SortedSet<KeysetCursor>? order, PageRequest page, bool descending, Func<KeysetCursor, T?> itemOf, Func<T, KeysetCursor> keyOf)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(page);
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        var after = page.After is null
            ? (KeysetCursor?)null
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        var found = new List<T>(limit + 1);
        if (order is { Count: > 0 })
        {
            var keys = (after, descending) switch
            {
                (null, false) => order,
                (null, true) => order.Reverse(),
                ({ } cursor, false) => KeysetOrder.Instance.Compare(cursor, order.Max) < 0 ? order.GetViewBetween(cursor, order.Max) : [],
                ({ } cursor, true) => KeysetOrder.Instance.Compare(order.Min, cursor) < 0 ? order.GetViewBetween(order.Min, cursor).Reverse() : [],
            };
            foreach (var key in keys)
            {
                if (after is { } skip && key == skip)
                {
                    continue;
                }

                if (itemOf(key) is { } item)
                {
                    found.Add(item);
                    if (found.Count > limit)
                    {
                        break;
                    }
                }
            }
        }

        return KeysetCursor.PageOf(found, limit, keyOf);
    }

    private sealed record CaseRow(ServiceCaseView View, DateTimeOffset? ResolvedAt);

    /// <summary>The lists' order: time, then id by ordinal (PostgreSQL orders the ids in the "C" collation, the same).</summary>
    private sealed class KeysetOrder : IComparer<KeysetCursor>
    {
        public static KeysetOrder Instance { get; } = new();

        public int Compare(KeysetCursor x, KeysetCursor y)
        {
            var byTime = x.At.UtcTicks.CompareTo(y.At.UtcTicks);
            return byTime != 0 ? byTime : string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
