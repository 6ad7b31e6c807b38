using System.Collections.Immutable;
using Npgsql;
using Orleans.Serialization;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Hosting.Postgres;

/// <summary>
/// The read models in PostgreSQL (migration 0011). A list of changes goes to the server as one batch, one round trip:
/// changes whose order matters (an item opened then resolved, a case opened then resolved, a dead letter kept then
/// replayed) are statements in their order; the many that commute or touch one row each (KPI increments, the
/// shipment list, notifications) are folded into one array statement each. Journal readers write the batch in the
/// transaction that moves their checkpoint (<see cref="PostgresEventJournal"/>).
/// </summary>
public sealed class PostgresReadModels(NpgsqlDataSource dataSource, Serializer serializer) : IReadModels
{
    // Before and after every row of a list, so a first page needs no statement of its own.
    private static readonly KeysetCursor Earliest = new(DateTimeOffset.MinValue, "");
    private static readonly KeysetCursor Latest = new(DateTimeOffset.MaxValue, "");

    /// <summary>
    /// Applies one caller's changes in one transaction. Callers at once share a round trip (group commit): while one
    /// batch is at the server, the next callers queue, and the next batch carries all of them, so a thousand bookings
    /// indexing their references make a few statements and commits rather than a thousand. A batch is one implicit
    /// transaction (no BEGIN and COMMIT of its own); should the server refuse a shared batch, each caller's changes are
    /// written again alone, so one caller's refused change fails only that caller. A caller's cancellation ends only its
    /// wait: once queued, its changes still go with the next batch.
    /// </summary>
    public Task ApplyAsync(IReadOnlyList<ReadModelChange> changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return Task.CompletedTask;
        }

        var apply = new PendingApply(changes);
        bool lead;
        lock (gate)
        {
            queued.Add(apply);
            lead = !flushing;
            flushing = true;
        }

        if (lead)
        {
            // On the thread pool, not the caller's (a grain's) scheduler: the loop serves every caller that queues meanwhile.
            _ = Task.Run(FlushAsync, CancellationToken.None);
        }

        return apply.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>The most changes one shared batch carries; callers beyond it go in the next.</summary>
    private const int MaxSharedChanges = 2_000;

    private readonly Lock gate = new();
    private readonly List<PendingApply> queued = [];
    private bool flushing;

    private async Task FlushAsync()
    {
        while (true)
        {
            List<PendingApply> group;
            lock (gate)
            {
                if (queued.Count == 0)
                {
                    flushing = false;
                    return;
                }

                var take = 1;
                var size = queued[0].Changes.Count;
                while (take < queued.Count && size + queued[take].Changes.Count <= MaxSharedChanges)
                {
                    size += queued[take++].Changes.Count;
                }

                group = queued.GetRange(0, take);
                queued.RemoveRange(0, take);
            }

            await WriteAsync(group);
        }
    }

    private async Task WriteAsync(List<PendingApply> group)
    {
        try
        {
            await WriteBatchAsync(group.Count == 1 ? group[0].Changes : [.. group.SelectMany(apply => apply.Changes)]);
            foreach (var apply in group)
            {
                apply.Completion.TrySetResult();
            }
        }
        catch (Exception exception) when (group.Count > 1 && exception is PostgresException or ArgumentException)
        {
            // A change the server refuses (or one it cannot be sent as), or a deadlock with a reader: the shared batch
            // left nothing, so each caller is written again by itself and learns only of its own failure.
            foreach (var apply in group)
            {
                await WriteAsync([apply]);
            }
        }
        catch (Exception exception)
        {
            foreach (var apply in group)
            {
                apply.Completion.TrySetException(exception);
            }
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<ReadModelChange> changes)
    {
        await using var batch = dataSource.CreateBatch();
        AddChanges(batch, changes, OutsideReaders);
        await batch.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private sealed class PendingApply(IReadOnlyList<ReadModelChange> changes)
    {
        public IReadOnlyList<ReadModelChange> Changes { get; } = changes;

        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>The KPI shard of read-model writes made outside the journal readers.</summary>
    public const short OutsideReaders = -1;

    /// <summary>
    /// Appends the statements that write <paramref name="changes"/> to a batch the caller runs in its transaction (the
    /// journal puts its checkpoint move first). KPI increments go to <paramref name="kpiShard"/>: a journal reader passes
    /// its partition, so readers of different partitions never wait for each other's KPI rows.
    /// </summary>
    public void AddChanges(NpgsqlBatch batch, IReadOnlyList<ReadModelChange> changes, short kpiShard)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(changes);
        var tracked = new List<TrackCustomerShipment>();
        var advanced = new Dictionary<string, AdvanceCustomerShipment>(StringComparer.Ordinal);
        var notifications = new List<QueueNotification>();
        var referenced = new SortedDictionary<(ShipmentReferenceKind Kind, string Reference, string CarrierId), IndexShipmentReferences>(ReferenceKeyOrder.Instance);
        var kpis = new SortedDictionary<(KpiScope Scope, string Subject, DateOnly Day, string Metric), KpiBucket>(KpiKeyOrder.Instance);
        foreach (var change in changes)
        {
            switch (change)
            {
                case OpenExceptionItem { Item: var item }:
                    batch.BatchCommands.Add(GridSql.OpenExceptionItem.CreateBatchCommand(
                        item.ExceptionId, (short)item.Queue, item.Subject, item.Reason, item.OpenedAt, (int)item.Owners, item.Cause, item.CustomerId));
                    break;
                case ResolveExceptionItem resolve:
                    batch.BatchCommands.Add(GridSql.ResolveExceptionItem.CreateBatchCommand(resolve.ExceptionId, resolve.Resolution, resolve.ResolvedAt));
                    break;
                case OpenServiceCase open:
                    batch.BatchCommands.Add(GridSql.OpenServiceCase.CreateBatchCommand(
                        open.CaseId, open.CustomerId, open.ShipmentId, (short)open.Reason, open.Entry.At, open.Entry.Text, open.Entry.SourceEventId,
                        ReadModelRules.MaxTimelineEntries));
                    break;
                case ResolveServiceCase resolve:
                    batch.BatchCommands.Add(GridSql.ResolveServiceCase.CreateBatchCommand(
                        resolve.CaseId, resolve.Entry.At, resolve.Entry.Text, resolve.Entry.SourceEventId, ReadModelRules.MaxTimelineEntries));
                    break;
                case QueueNotification queue:
                    notifications.Add(queue);
                    break;
                case TrackCustomerShipment track:
                    tracked.Add(track);
                    break;
                case AdvanceCustomerShipment advance:
                    advanced[advance.ShipmentId] = advanced.TryGetValue(advance.ShipmentId, out var earlier) ? ReadModelRules.Then(earlier, advance) : advance;
                    break;
                case CountKpi count:
                    AddKpi(kpis, count.Subject, count.Metric, count.At, KpiBucket.Counted(count.Count));
                    break;
                case ObserveKpi observe:
                    AddKpi(kpis, observe.Subject, observe.Metric, observe.At, KpiBucket.Observed(observe.Value));
                    break;
                case KeepDeadLetter keep:
                    batch.BatchCommands.Add(GridSql.KeepDeadLetter.CreateBatchCommand(
                        keep.CarrierEvent.CarrierId, keep.CarrierEvent.EventId, keep.CarrierEvent.ShipmentId, serializer.SerializeToArray(keep.CarrierEvent),
                        keep.Reason, keep.At, KpiBucket.DayOf(keep.At), KpiHistogram.Buckets, (short)keep.CarrierEvent.Source,
                        keep.ReasonCode == RejectionCode.None ? null : keep.ReasonCode.ToString(),
                        keep.Reference is { } reference ? (short?)reference.Kind : null,
                        keep.Reference?.Value));
                    break;
                case IndexShipmentReferences index:
                    foreach (var (kind, value) in InMemoryReadModels.ReferencesOf(index.Booking.References))
                    {
                        // As if applied in turn: a later (or equally late, later listed) booking of the key wins.
                        if (!referenced.TryGetValue((kind, value, index.Booking.CarrierId), out var known) || known.BookedAt <= index.BookedAt)
                        {
                            referenced[(kind, value, index.Booking.CarrierId)] = index;
                        }
                    }

                    break;
                case DiscardDeadLetter discard:
                    batch.BatchCommands.Add(GridSql.DiscardDeadLetter.CreateBatchCommand(discard.CarrierId, discard.EventId, discard.Reason, discard.At));
                    break;
                case CountDeadLetterReplay replay:
                    batch.BatchCommands.Add(GridSql.CountDeadLetterReplay.CreateBatchCommand(replay.CarrierId, replay.EventId));
                    break;
                case MarkDeadLetterReplayed replayed:
                    batch.BatchCommands.Add(GridSql.MarkDeadLetterReplayed.CreateBatchCommand(replayed.CarrierId, replayed.EventId, replayed.At));
                    break;
                default:
                    throw new ArgumentException($"Unknown read-model change {change.GetType().Name}.", nameof(changes));
            }
        }

        // A shipment is listed before it moves on: an advance of a shipment tracked in the same page must find its row.
        if (tracked.Count > 0)
        {
            batch.BatchCommands.Add(GridSql.TrackCustomerShipments.CreateBatchCommand(
                tracked.Select(track => track.ShipmentId).ToArray(),
                tracked.Select(track => track.CustomerId).ToArray(),
                tracked.Select(track => track.CarrierId).ToArray(),
                tracked.Select(track => track.BookedAt).ToArray()));
        }

        if (advanced.Count > 0)
        {
            // In key order, like the KPI rows, so concurrent readers lock shared rows in one order.
            var rows = advanced.Values.OrderBy(advance => advance.ShipmentId, StringComparer.Ordinal).ToArray();
            batch.BatchCommands.Add(GridSql.AdvanceCustomerShipments.CreateBatchCommand(
                rows.Select(row => row.ShipmentId).ToArray(),
                rows.Select(row => (short?)row.Status).ToArray(),
                rows.Select(row => (short?)row.BillingStatus).ToArray(),
                rows.Select(row => row.InvoiceNumber).ToArray(),
                rows.Select(row => (short?)row.InvoiceStatus).ToArray(),
                rows.Select(row => row.At).ToArray()));
        }

        if (notifications.Count > 0)
        {
            batch.BatchCommands.Add(GridSql.QueueNotifications.CreateBatchCommand(
                notifications.Select(queue => queue.Notification.NotificationId).ToArray(),
                notifications.Select(queue => queue.Notification.CustomerId).ToArray(),
                notifications.Select(queue => (short)queue.Notification.Kind).ToArray(),
                notifications.Select(queue => queue.Notification.Subject).ToArray(),
                notifications.Select(queue => queue.Notification.Text).ToArray(),
                notifications.Select(queue => queue.Notification.OccurredAt).ToArray(),
                notifications.Select(queue => queue.TraceParent).ToArray()));
        }

        if (referenced.Count > 0)
        {
            // One statement in key order, so concurrent writers of shared references lock them in one order.
            batch.BatchCommands.Add(GridSql.IndexShipmentReferences.CreateBatchCommand(
                referenced.Keys.Select(key => (short)key.Kind).ToArray(),
                referenced.Keys.Select(key => key.Reference).ToArray(),
                referenced.Keys.Select(key => key.CarrierId).ToArray(),
                referenced.Values.Select(index => index.Booking.ShipmentId).ToArray(),
                referenced.Values.Select(index => index.Booking.CustomerId).ToArray(),
                referenced.Values.Select(index => index.BookedAt).ToArray()));
        }

        if (kpis.Count > 0)
        {
            batch.BatchCommands.Add(GridSql.AddKpiBuckets.CreateBatchCommand(
                kpis.Keys.Select(key => (short)key.Scope).ToArray(),
                kpis.Keys.Select(key => key.Subject).ToArray(),
                kpis.Keys.Select(key => key.Day).ToArray(),
                kpis.Keys.Select(key => key.Metric).ToArray(),
                kpis.Values.Select(bucket => bucket.Count).ToArray(),
                kpis.Values.Select(bucket => bucket.TotalSeconds).ToArray(),
                kpis.Values.Select(bucket => bucket.MinSeconds).ToArray(),
                kpis.Values.Select(bucket => bucket.MaxSeconds).ToArray(),
                kpis.Values.SelectMany(bucket => bucket.Histogram).ToArray(),
                KpiHistogram.Buckets,
                kpiShard));
        }
    }

    public async Task<Page<ExceptionItem>> ListExceptionsAsync(ExceptionQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var (limit, after) = Bounds(page, Earliest);
        var latest = query.OpenedAtOrBefore ?? DateTimeOffset.MaxValue;
        var queues = query.Queues.IsDefaultOrEmpty ? Enum.GetValues<ExceptionQueue>() : [.. query.Queues.Distinct()];
        await using var command = queues.Length == 1
            ? (query.OpenOnly ? GridSql.ListOpenQueueExceptionItems : GridSql.ListQueueExceptionItems)
                .CreateCommand(dataSource, (short)queues[0], latest, after.At, after.Id, limit + 1)
            : (query.OpenOnly ? GridSql.ListOpenExceptionItems : GridSql.ListExceptionItems)
                .CreateCommand(dataSource, queues.Select(queue => (short)queue).ToArray(), latest, after.At, after.Id, limit + 1);
        return KeysetCursor.PageOf(await ReadAllAsync(command, ReadExceptionItem, cancellationToken), limit, item => new KeysetCursor(item.OpenedAt, item.ExceptionId));
    }

    public async Task<ImmutableArray<OpenExceptionAges>> CountOpenExceptionsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = GridSql.CountOpenExceptionItems.CreateCommand(
            dataSource, now - OpenExceptionAges.Hour, now - OpenExceptionAges.Day, now - OpenExceptionAges.Week);
        return [.. await ReadAllAsync(
            command,
            reader => new OpenExceptionAges(
                (ExceptionQueue)reader.GetInt16(0),
                reader.GetInt64(1),
                reader.GetInt64(2),
                reader.GetInt64(3),
                reader.GetInt64(4),
                reader.GetFieldValue<DateTimeOffset>(5)),
            cancellationToken)];
    }

    public async Task<ExceptionItem?> FindExceptionAsync(string exceptionId, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FindExceptionItem.CreateCommand(dataSource, exceptionId);
        return (await ReadAllAsync(command, ReadExceptionItem, cancellationToken)).SingleOrDefault();
    }

    public async Task<Page<ServiceCaseView>> ListCasesAsync(string customerId, bool openOnly, PageRequest page, CancellationToken cancellationToken)
    {
        var (limit, after) = Bounds(page, Earliest);
        await using var command = (openOnly ? GridSql.ListOpenServiceCases : GridSql.ListServiceCases)
            .CreateCommand(dataSource, customerId, after.At, after.Id, limit + 1);
        return KeysetCursor.PageOf(await ReadAllAsync(command, ReadServiceCase, cancellationToken), limit, view => new KeysetCursor(view.OpenedAt, view.CaseId));
    }

    public async Task<ServiceCaseView?> FindCaseAsync(string customerId, string caseId, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FindServiceCase.CreateCommand(dataSource, customerId, caseId);
        return (await ReadAllAsync(command, ReadServiceCase, cancellationToken)).SingleOrDefault();
    }

    public async Task<Page<CrmNotification>> ListNotificationsAsync(string customerId, PageRequest page, CancellationToken cancellationToken)
    {
        var (limit, after) = Bounds(page, Earliest);
        await using var command = GridSql.ListNotifications.CreateCommand(dataSource, customerId, after.At, after.Id, limit + 1);
        return KeysetCursor.PageOf(
            await ReadAllAsync(
                command,
                reader => new CrmNotification(
                    reader.GetString(0), reader.GetString(1), (CrmNotificationKind)reader.GetInt16(2), reader.GetString(3), reader.GetString(4),
                    reader.GetFieldValue<DateTimeOffset>(5)),
                cancellationToken),
            limit,
            notification => new KeysetCursor(notification.OccurredAt, notification.NotificationId));
    }

    public async Task<Page<CustomerShipment>> ListCustomerShipmentsAsync(string customerId, PageRequest page, CancellationToken cancellationToken)
    {
        var (limit, after) = Bounds(page, Latest);
        await using var command = GridSql.ListCustomerShipments.CreateCommand(dataSource, customerId, after.At, after.Id, limit + 1);
        return KeysetCursor.PageOf(
            await ReadAllAsync(
                command,
                reader => new CustomerShipment(
                    reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                    (ShipmentStatus)reader.GetInt16(4), (Billing.BillingStatus)reader.GetInt16(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6),
                    reader.IsDBNull(7) ? null : (Billing.InvoiceStatus)reader.GetInt16(7),
                    reader.GetFieldValue<DateTimeOffset>(8)),
                cancellationToken),
            limit,
            shipment => new KeysetCursor(shipment.BookedAt, shipment.ShipmentId));
    }

    public async Task<Page<DeadLetter>> ListDeadLettersAsync(string carrierId, PageRequest page, CancellationToken cancellationToken)
    {
        var (limit, after) = Bounds(page, Earliest);
        await using var command = GridSql.ListDeadLetters.CreateCommand(dataSource, carrierId, after.At, after.Id, limit + 1);
        return KeysetCursor.PageOf(
            await ReadAllAsync(command, ReadDeadLetter, cancellationToken), limit, letter => new KeysetCursor(letter.DeadLetteredAt, letter.CarrierEvent.EventId));
    }

    public async Task<ImmutableArray<ShipmentMatch>> FindShipmentsAsync(
        ShipmentReferenceKind kind, string reference, string? carrierId, int limit, CancellationToken cancellationToken)
    {
        await using var command = carrierId is null
            ? GridSql.FindShipmentsByReference.CreateCommand(dataSource, (short)kind, reference, Math.Clamp(limit, 1, PageRequest.MaxLimit))
            : GridSql.FindCarrierShipmentByReference.CreateCommand(dataSource, (short)kind, reference, carrierId);
        return [.. await ReadAllAsync(
            command,
            reader => new ShipmentMatch(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)),
            cancellationToken)];
    }

    public async Task<Page<DeadLetter>> ListDeadLettersAsync(DeadLetterQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null
            ? new DeadLetterCursor(DateTimeOffset.MinValue, string.Empty, string.Empty)
            : DeadLetterCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        var limit = Math.Clamp(page.Limit, 1, PageRequest.MaxLimit);
        object?[] filters =
        [
            query.Source is { } source ? (short)source : null,
            query.Reason?.ToString(),
            query.CarrierId,
            query.DeadLetteredBefore ?? DateTimeOffset.MaxValue,
            query.OpenOnly,
            after.At,
            after.CarrierId,
            after.EventId,
            limit + 1,
        ];
        var (statement, lead) = query switch
        {
            { CarrierId: { } carrierId } => (GridSql.ListDeadLettersOfCarrier, (object?)carrierId),
            { Reason: { } reason } => (GridSql.ListDeadLettersByReason, reason.ToString()),
            { Source: { } leadSource } => (GridSql.ListDeadLettersBySource, (short)leadSource),
            _ => (GridSql.ListAllDeadLetters, null),
        };
        await using var command = statement.CreateCommand(dataSource, lead is null ? filters : [lead, .. filters]);
        return KeysetCursor.PageOf(
            await ReadAllAsync(command, ReadDeadLetter, cancellationToken), limit, letter => DeadLetterCursor.Of(letter).AsKeyset());
    }

    public async Task<DeadLetter?> FindDeadLetterAsync(string carrierId, string eventId, CancellationToken cancellationToken)
    {
        await using var command = GridSql.FindDeadLetter.CreateCommand(dataSource, carrierId, eventId);
        return (await ReadAllAsync(command, ReadDeadLetter, cancellationToken)).SingleOrDefault();
    }

    public async Task<ImmutableArray<KpiAggregate>> ReadKpisAsync(KpiSubject subject, DateOnly firstDay, DateOnly endDay, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(subject);
        await using var command = GridSql.ReadKpiBuckets.CreateCommand(dataSource, (short)subject.Scope, subject.Id, firstDay, endDay);
        var buckets = await ReadAllAsync(
            command,
            reader => (reader.GetString(0), new KpiBucket(
                reader.GetInt64(1),
                reader.GetDecimal(2),
                reader.IsDBNull(3) ? null : reader.GetDecimal(3),
                reader.IsDBNull(4) ? null : reader.GetDecimal(4),
                [.. reader.GetFieldValue<long[]>(5)])),
            cancellationToken);
        return KpiBucket.Aggregate(buckets);
    }

    public async Task<long> PurgeAsync(RetentionCutoffs cutoffs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cutoffs);
        return await PurgeAsync(GridSql.PurgeResolvedExceptionItems, cutoffs.ResolvedExceptions, cancellationToken)
            + await PurgeAsync(GridSql.PurgeResolvedServiceCases, cutoffs.ResolvedCases, cancellationToken)
            + await PurgeAsync(GridSql.PurgeNotifications, cutoffs.Notifications, cancellationToken)
            + await PurgeAsync(GridSql.PurgeReplayedDeadLetters, cutoffs.ReplayedDeadLetters, cancellationToken)
            + await PurgeAsync(GridSql.PurgeDiscardedDeadLetters, cutoffs.ReplayedDeadLetters, cancellationToken)
            + await PurgeAsync(GridSql.PurgeQueuedEventOutcomes, cutoffs.QueuedEventOutcomes, cancellationToken)
            + await PurgeAsync(GridSql.PurgeKpiBuckets, cutoffs.KpiBuckets, cancellationToken);
    }

    /// <summary>Batch after batch, each its own short transaction, until one comes back short.</summary>
    private async Task<long> PurgeAsync(GridQuery purge, object cutoff, CancellationToken cancellationToken)
    {
        long removed = 0;
        int batch;
        do
        {
            await using var command = purge.CreateCommand(dataSource, cutoff, ReadModelRules.PurgeBatchSize);
            batch = await command.ExecuteNonQueryAsync(cancellationToken);
            removed += batch;
        }
        while (batch == ReadModelRules.PurgeBatchSize);

        return removed;
    }

    private static (int Limit, KeysetCursor After) Bounds(PageRequest page, KeysetCursor start)
    {
        ArgumentNullException.ThrowIfNull(page);
        var after = page.After is null
            ? start
            : KeysetCursor.Decode(page.After) ?? throw new ArgumentException("The page cursor was not handed out by this grid.", nameof(page));
        return (Math.Clamp(page.Limit, 1, PageRequest.MaxLimit), after);
    }

    private static async Task<List<T>> ReadAllAsync<T>(NpgsqlCommand command, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<T>();
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    private static ExceptionItem ReadExceptionItem(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        (ExceptionQueue)reader.GetInt16(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        (OwnerTeam)reader.GetInt32(5),
        reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
        reader.IsDBNull(8) ? null : reader.GetString(8),
        reader.IsDBNull(9) ? null : reader.GetString(9));

    private static ServiceCaseView ReadServiceCase(NpgsqlDataReader reader)
    {
        var ats = reader.IsDBNull(6) ? [] : reader.GetFieldValue<DateTimeOffset[]>(6);
        var texts = reader.IsDBNull(7) ? [] : reader.GetFieldValue<string[]>(7);
        var sources = reader.IsDBNull(8) ? [] : reader.GetFieldValue<string?[]>(8);
        return new ServiceCaseView(
            reader.GetString(0),
            reader.GetString(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            (ServiceCaseReason)reader.GetInt16(3),
            (ServiceCaseStatus)reader.GetInt16(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            [.. ats.Select((at, i) => new ServiceCaseEntry(at, texts[i], sources[i]))]);
    }

    private DeadLetter ReadDeadLetter(NpgsqlDataReader reader) => new(
        serializer.Deserialize<CarrierEvent>(reader.GetFieldValue<byte[]>(0)) ?? throw new InvalidDataException("A dead letter holds no carrier event."),
        reader.GetString(1),
        reader.GetFieldValue<DateTimeOffset>(2),
        (DeadLetterStatus)reader.GetInt16(3),
        reader.GetInt32(4),
        reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
        reader.IsDBNull(6) ? RejectionCode.None : Enum.Parse<RejectionCode>(reader.GetString(6)),
        reader.IsDBNull(7) ? null : reader.GetString(7),
        reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
        reader.IsDBNull(10) ? null : new ShipmentReference((ShipmentReferenceKind)reader.GetInt16(10), reader.GetString(11)));

    private static void AddKpi(
        SortedDictionary<(KpiScope Scope, string Subject, DateOnly Day, string Metric), KpiBucket> kpis,
        KpiSubject subject,
        string metric,
        DateTimeOffset at,
        KpiBucket increment)
    {
        var key = (subject.Scope, subject.Id, KpiBucket.DayOf(at), metric);
        kpis[key] = kpis.TryGetValue(key, out var bucket) ? bucket.Plus(increment) : increment;
    }

    private sealed class KpiKeyOrder : IComparer<(KpiScope Scope, string Subject, DateOnly Day, string Metric)>
    {
        public static KpiKeyOrder Instance { get; } = new();

        public int Compare((KpiScope Scope, string Subject, DateOnly Day, string Metric) x, (KpiScope Scope, string Subject, DateOnly Day, string Metric) y)
        {
            var order = x.Scope.CompareTo(y.Scope);
            order = order != 0 ? order : string.CompareOrdinal(x.Subject, y.Subject);
            order = order != 0 ? order : x.Day.CompareTo(y.Day);
            return order != 0 ? order : string.CompareOrdinal(x.Metric, y.Metric);
        }
    }

    private sealed class ReferenceKeyOrder : IComparer<(ShipmentReferenceKind Kind, string Reference, string CarrierId)>
    {
        public static ReferenceKeyOrder Instance { get; } = new();

        public int Compare((ShipmentReferenceKind Kind, string Reference, string CarrierId) x, (ShipmentReferenceKind Kind, string Reference, string CarrierId) y)
        {
            var order = x.Kind.CompareTo(y.Kind);
            order = order != 0 ? order : string.CompareOrdinal(x.Reference, y.Reference);
            return order != 0 ? order : string.CompareOrdinal(x.CarrierId, y.CarrierId);
        }
    }
}
