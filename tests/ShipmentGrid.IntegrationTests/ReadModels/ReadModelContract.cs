using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Operations;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.ReadModels;

/// <summary>
/// What every read-model store does with each change and query (the changes' documented semantics), run against the
/// in-memory store and the PostgreSQL store alike, so both behave the same.
/// </summary>
public abstract class ReadModelContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    protected IReadModels Store { get; private set; } = null!;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DisposeStoreAsync();

    protected abstract Task<IReadModels> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_open_item_told_again_changes_nothing_and_a_resolved_item_reopens_only_for_a_new_cause()
    {
        await ApplyAsync(new OpenExceptionItem(Item("X-1", T0, cause: "E-1", reason: "late")));
        await ApplyAsync(new OpenExceptionItem(Item("X-1", T0.AddMinutes(1), cause: "E-2", reason: "later")));
        Assert.Equal(("late", "E-1", T0), Summary(await Store.FindExceptionAsync("X-1", default)));

        await ApplyAsync(new ResolveExceptionItem("X-1", "fixed", T0.AddHours(1)), new OpenExceptionItem(Item("X-1", T0.AddHours(2), cause: "E-1")));
        var resolved = await Store.FindExceptionAsync("X-1", default);
        Assert.Equal(("fixed", T0.AddHours(1)), (resolved?.Resolution, resolved?.ResolvedAt));

        await ApplyAsync(new OpenExceptionItem(Item("X-1", T0.AddHours(3), cause: "E-3", reason: "damaged")));
        var reopened = await Store.FindExceptionAsync("X-1", default);
        Assert.Equal(("damaged", "E-3", T0.AddHours(3)), Summary(reopened));
        Assert.True(reopened!.IsOpen);
        Assert.Null(reopened.ResolvedAt);
    }

    [Fact]
    public async Task An_item_opened_and_resolved_in_one_batch_ends_resolved_and_a_second_resolution_keeps_the_first()
    {
        await ApplyAsync(
            new OpenExceptionItem(Item("X-1", T0, cause: "E-1")),
            new ResolveExceptionItem("X-1", "first", T0.AddMinutes(5)),
            new ResolveExceptionItem("X-1", "second", T0.AddMinutes(6)),
            new ResolveExceptionItem("X-unknown", "nothing", T0));

        var item = await Store.FindExceptionAsync("X-1", default);
        Assert.Equal(("first", T0.AddMinutes(5)), (item?.Resolution, item?.ResolvedAt));
        Assert.Null(await Store.FindExceptionAsync("X-unknown", default));
    }

    [Fact]
    public async Task Exception_lists_filter_by_queue_open_state_and_opening_time()
    {
        await ApplyAsync(
            new OpenExceptionItem(Item("A", T0, ExceptionQueue.DeliveryException)),
            new OpenExceptionItem(Item("B", T0.AddMinutes(1), ExceptionQueue.CreditHold)),
            new OpenExceptionItem(Item("C", T0.AddMinutes(2), ExceptionQueue.DeliveryException)),
            new OpenExceptionItem(Item("D", T0.AddMinutes(3), ExceptionQueue.ErpFailure)),
            new ResolveExceptionItem("C", "done", T0.AddMinutes(4)));

        Assert.Equal(["A", "B", "C", "D"], await ExceptionIdsAsync(new ExceptionQuery([], false, null)));
        Assert.Equal(["A", "B", "D"], await ExceptionIdsAsync(new ExceptionQuery([], true, null)));
        Assert.Equal(["A", "C"], await ExceptionIdsAsync(new ExceptionQuery([ExceptionQueue.DeliveryException], false, null)));
        Assert.Equal(["A"], await ExceptionIdsAsync(new ExceptionQuery([ExceptionQueue.DeliveryException], true, null)));
        Assert.Equal(["B", "D"], await ExceptionIdsAsync(new ExceptionQuery([ExceptionQueue.CreditHold, ExceptionQueue.ErpFailure], false, null)));
        Assert.Equal(["A", "B"], await ExceptionIdsAsync(new ExceptionQuery([], true, T0.AddMinutes(2))));
        Assert.Equal(["A", "B", "C"], await ExceptionIdsAsync(new ExceptionQuery([], false, T0.AddMinutes(2))));
    }

    [Fact]
    public async Task Open_items_count_per_queue_by_age_band_and_resolved_ones_do_not_count()
    {
        var now = T0.AddDays(30);
        await ApplyAsync(
            new OpenExceptionItem(Item("N-1", now.AddMinutes(-10), ExceptionQueue.CreditHold)),
            new OpenExceptionItem(Item("N-2", now.AddHours(-1), ExceptionQueue.CreditHold)),
            new OpenExceptionItem(Item("N-3", now.AddHours(-5), ExceptionQueue.CreditHold)),
            new OpenExceptionItem(Item("N-4", now.AddDays(-2), ExceptionQueue.CreditHold)),
            new OpenExceptionItem(Item("N-5", now.AddDays(-9), ExceptionQueue.CreditHold)),
            new OpenExceptionItem(Item("N-6", now.AddDays(-20), ExceptionQueue.DeadLetter)),
            new OpenExceptionItem(Item("N-7", now.AddMinutes(-1), ExceptionQueue.DeadLetter)),
            new ResolveExceptionItem("N-6", "replayed", now.AddMinutes(-1)));

        // An item exactly an hour old is in the hour-to-day band; resolved items and empty queues are not listed.
        OpenExceptionAges[] expected =
        [
            new(ExceptionQueue.CreditHold, 1, 2, 1, 1, now.AddDays(-9)),
            new(ExceptionQueue.DeadLetter, 1, 0, 0, 0, now.AddMinutes(-1)),
        ];
        Assert.Equal(expected, (await Store.CountOpenExceptionsAsync(now, default)).ToArray());
    }

    [Fact]
    public async Task A_case_adds_an_entry_once_per_source_event_and_a_new_entry_reopens_it_once_resolved()
    {
        await ApplyAsync(
            OpenCase("CASE-1", "C-1", Entry(T0, "opened", "E-1")),
            OpenCase("CASE-1", "C-1", Entry(T0.AddMinutes(1), "opened again", "E-1")),
            OpenCase("CASE-1", "C-1", Entry(T0.AddMinutes(2), "more", "E-2")));
        await ApplyAsync(OpenCase("CASE-1", "C-1", Entry(T0.AddMinutes(2), "more", "E-2")));
        var open = await Store.FindCaseAsync("C-1", "CASE-1", default);
        Assert.Equal((ServiceCaseStatus.Open, T0), (open?.Status, open?.OpenedAt));
        Assert.Equal(["E-1", "E-2"], open!.Timeline.Select(entry => entry.SourceEventId));

        await ApplyAsync(new ResolveServiceCase("CASE-1", Entry(T0.AddHours(1), "closed", "E-3")));
        await ApplyAsync(new ResolveServiceCase("CASE-1", Entry(T0.AddHours(1), "closed", "E-3")), OpenCase("CASE-1", "C-1", Entry(T0.AddHours(2), "old", "E-2")));
        var resolved = await Store.FindCaseAsync("C-1", "CASE-1", default);
        Assert.Equal(ServiceCaseStatus.Resolved, resolved?.Status);
        Assert.Equal(["E-1", "E-2", "E-3"], resolved!.Timeline.Select(entry => entry.SourceEventId));

        await ApplyAsync(OpenCase("CASE-1", "C-1", Entry(T0.AddHours(3), "again", "E-4")));
        var reopened = await Store.FindCaseAsync("C-1", "CASE-1", default);
        Assert.Equal((ServiceCaseStatus.Open, T0), (reopened?.Status, reopened?.OpenedAt));
        Assert.Equal(
            [Entry(T0, "opened", "E-1"), Entry(T0.AddMinutes(2), "more", "E-2"), Entry(T0.AddHours(1), "closed", "E-3"), Entry(T0.AddHours(3), "again", "E-4")],
            reopened!.Timeline.ToArray());
    }

    [Fact]
    public async Task Resolving_an_unknown_case_does_nothing_and_a_case_is_found_only_under_its_customer()
    {
        await ApplyAsync(new ResolveServiceCase("CASE-404", Entry(T0, "closed", "E-1")), OpenCase("CASE-1", "C-1", Entry(T0, "opened", "E-1")));

        Assert.Null(await Store.FindCaseAsync("C-1", "CASE-404", default));
        Assert.Null(await Store.FindCaseAsync("C-2", "CASE-1", default));
        var found = await Store.FindCaseAsync("C-1", "CASE-1", default);
        Assert.Equal(("C-1", "S-CASE-1", ServiceCaseReason.DeliveryException), (found?.CustomerId, found?.ShipmentId, found?.Reason));
    }

    [Fact]
    public async Task A_case_keeps_only_its_newest_timeline_entries()
    {
        var entries = Enumerable.Range(1, ReadModelRules.MaxTimelineEntries + 5)
            .Select(i => (ReadModelChange)OpenCase("CASE-1", "C-1", Entry(T0.AddSeconds(i), $"step {i}", $"E-{i}")))
            .ToList();
        await Store.ApplyAsync(entries, default);

        var timeline = (await Store.FindCaseAsync("C-1", "CASE-1", default))!.Timeline;
        Assert.Equal(ReadModelRules.MaxTimelineEntries, timeline.Length);
        Assert.Equal(("E-6", $"E-{ReadModelRules.MaxTimelineEntries + 5}"), (timeline[0].SourceEventId, timeline[^1].SourceEventId));
    }

    [Fact]
    public async Task Case_lists_are_per_customer_oldest_first_and_open_only_leaves_resolved_cases_out()
    {
        await ApplyAsync(
            OpenCase("CASE-B", "C-1", Entry(T0.AddMinutes(1), "b", "E-B")),
            OpenCase("CASE-A", "C-1", Entry(T0, "a", "E-A")),
            OpenCase("CASE-C", "C-1", Entry(T0.AddMinutes(2), "c", "E-C")),
            OpenCase("CASE-X", "C-2", Entry(T0, "x", "E-X")),
            new ResolveServiceCase("CASE-B", Entry(T0.AddMinutes(3), "done", "E-B2")));

        var all = await Store.ListCasesAsync("C-1", false, PageRequest.First(), default);
        Assert.Equal(["CASE-A", "CASE-B", "CASE-C"], all.Items.Select(view => view.CaseId));
        Assert.Equal(["b", "done"], all.Items[1].Timeline.Select(entry => entry.Text));
        Assert.Equal(["CASE-A", "CASE-C"], (await Store.ListCasesAsync("C-1", true, PageRequest.First(), default)).Items.Select(view => view.CaseId));
        Assert.Empty((await Store.ListCasesAsync("C-3", false, PageRequest.First(), default)).Items);
    }

    [Fact]
    public async Task A_notification_is_queued_once_per_id_and_listed_oldest_first_per_customer()
    {
        await ApplyAsync(
            new QueueNotification(Notification("N-2", "C-1", T0.AddMinutes(1))),
            new QueueNotification(Notification("N-1", "C-1", T0)),
            new QueueNotification(Notification("N-1", "C-1", T0.AddHours(5)) with { Text = "changed" }),
            new QueueNotification(Notification("N-3", "C-2", T0)));
        await ApplyAsync(new QueueNotification(Notification("N-2", "C-1", T0.AddMinutes(1))));

        var page = await Store.ListNotificationsAsync("C-1", PageRequest.First(), default);
        Assert.Equal([Notification("N-1", "C-1", T0), Notification("N-2", "C-1", T0.AddMinutes(1))], page.Items.ToArray());
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task A_listed_shipment_moves_only_up_sets_its_invoice_number_once_and_takes_the_latest_invoice_status()
    {
        await ApplyAsync(
            Track("S-1", "C-1", T0),
            new AdvanceCustomerShipment("S-1", ShipmentStatus.Delivered, BillingStatus.ReadyToInvoice, null, null, T0.AddHours(1)),
            new AdvanceCustomerShipment("S-1", ShipmentStatus.InTransit, BillingStatus.AwaitingCharges, "INV-1", InvoiceStatus.OnHold, T0.AddHours(2)));
        await ApplyAsync(
            Track("S-1", "C-1", T0.AddDays(1)),
            new AdvanceCustomerShipment("S-1", null, BillingStatus.Invoiced, "INV-2", InvoiceStatus.Posted, T0.AddHours(3)),
            new AdvanceCustomerShipment("S-1", ShipmentStatus.ProofOfDelivery, null, null, null, T0.AddHours(2)),
            new AdvanceCustomerShipment("S-404", ShipmentStatus.Delivered, null, null, null, T0));

        var page = await Store.ListCustomerShipmentsAsync("C-1", PageRequest.First(), default);
        Assert.Equal(
            [new CustomerShipment("S-1", "C-1", "CARR-1", T0, ShipmentStatus.ProofOfDelivery, BillingStatus.Invoiced, "INV-1", InvoiceStatus.Posted, T0.AddHours(3))],
            page.Items.ToArray());
        Assert.Empty((await Store.ListCustomerShipmentsAsync("C-404", PageRequest.First(), default)).Items);
    }

    [Fact]
    public async Task Applying_the_same_changes_twice_leaves_what_applying_them_once_left()
    {
        ReadModelChange[] changes =
        [
            new OpenExceptionItem(Item("X-1", T0, cause: "E-1")),
            new ResolveExceptionItem("X-1", "done", T0.AddMinutes(1)),
            OpenCase("CASE-1", "C-1", Entry(T0, "opened", "E-1")),
            new ResolveServiceCase("CASE-1", Entry(T0.AddMinutes(1), "closed", "E-2")),
            new QueueNotification(Notification("N-1", "C-1", T0)),
            Track("S-1", "C-1", T0),
            new AdvanceCustomerShipment("S-1", ShipmentStatus.Delivered, BillingStatus.Invoiced, "INV-1", InvoiceStatus.Posted, T0.AddHours(1)),
            new KeepDeadLetter(CarrierEvent("CARR-1", "E-9"), "unknown shipment", T0),
            new MarkDeadLetterReplayed("CARR-1", "E-9", T0.AddHours(1)),
        ];
        await Store.ApplyAsync(changes, default);
        var once = await SnapshotAsync();

        await Store.ApplyAsync(changes, default);

        Assert.Equal(once, await SnapshotAsync());
    }

    [Fact]
    public async Task A_dead_letter_kept_again_refreshes_its_reason_and_reopens_but_counts_once_per_event_id()
    {
        var carrierEvent = CarrierEvent("CARR-1", "E-1");
        await ApplyAsync(new KeepDeadLetter(carrierEvent, "unknown shipment", T0), new KeepDeadLetter(carrierEvent, "unknown shipment", T0.AddMinutes(1)));
        await ApplyAsync(
            new CountDeadLetterReplay("CARR-1", "E-1"),
            new MarkDeadLetterReplayed("CARR-1", "E-1", T0.AddHours(1)),
            new CountDeadLetterReplay("CARR-1", "E-404"));
        Assert.Equal(
            new DeadLetter(carrierEvent, "unknown shipment", T0, DeadLetterStatus.Replayed, 1, T0.AddHours(1)),
            await Store.FindDeadLetterAsync("CARR-1", "E-1", default));

        await ApplyAsync(new KeepDeadLetter(carrierEvent, "rule refused", T0.AddHours(2)), new KeepDeadLetter(CarrierEvent("CARR-1", "E-2"), "invalid", T0.AddDays(1)));

        Assert.Equal(
            new DeadLetter(carrierEvent, "rule refused", T0, DeadLetterStatus.Open, 1, null),
            await Store.FindDeadLetterAsync("CARR-1", "E-1", default));
        Assert.Null(await Store.FindDeadLetterAsync("CARR-2", "E-1", default));
        var kpis = await Store.ReadKpisAsync(KpiSubject.Carrier("CARR-1"), DateOnly.FromDateTime(T0.UtcDateTime), DateOnly.FromDateTime(T0.UtcDateTime).AddDays(2), default);
        Assert.Equal([(KpiMetrics.DeadLetters, 2L)], kpis.Select(kpi => (kpi.Metric, kpi.Count)));
        Assert.Equal(
            ["E-1", "E-2"],
            (await Store.ListDeadLettersAsync("CARR-1", PageRequest.First(), default)).Items.Select(letter => letter.CarrierEvent.EventId));
    }

    [Fact]
    public async Task Kpis_sum_their_buckets_over_the_days_asked_for_with_histogram_counts_and_extremes()
    {
        var carrier = KpiSubject.Carrier("CARR-1");
        await ApplyAsync(
            new CountKpi(carrier, KpiMetrics.Bookings, T0, 2),
            new CountKpi(carrier, KpiMetrics.Bookings, T0.AddDays(1), 3),
            new CountKpi(carrier, KpiMetrics.Bookings, T0.AddDays(2), 100),
            new CountKpi(carrier, KpiMetrics.Bookings, T0.AddDays(-1), 1000),
            new CountKpi(KpiSubject.Customer("CARR-1"), KpiMetrics.Bookings, T0, 7),
            new ObserveKpi(carrier, KpiMetrics.Lateness, T0, TimeSpan.FromMinutes(-30)),
            new ObserveKpi(carrier, KpiMetrics.Lateness, T0.AddDays(1), TimeSpan.FromSeconds(1.5)));
        await ApplyAsync(
            new CountKpi(carrier, KpiMetrics.Bookings, T0.AddHours(1), 1),
            new ObserveKpi(carrier, KpiMetrics.Lateness, T0.AddDays(1).AddHours(1), TimeSpan.FromDays(40)));

        var first = DateOnly.FromDateTime(T0.UtcDateTime);
        var kpis = await Store.ReadKpisAsync(carrier, first, first.AddDays(2), default);

        Assert.Equal([KpiMetrics.Bookings, KpiMetrics.Lateness], kpis.Select(kpi => kpi.Metric));
        Assert.Equal((6L, 0m, (decimal?)null, (decimal?)null), (kpis[0].Count, kpis[0].TotalSeconds, kpis[0].MinSeconds, kpis[0].MaxSeconds));
        Assert.Equal(new long[KpiHistogram.Buckets], kpis[0].Histogram);
        var lateness = kpis[1];
        Assert.Equal((3L, -1800m + 1.5m + 3_456_000m, (decimal?)-1800m, (decimal?)3_456_000m), (lateness.Count, lateness.TotalSeconds, lateness.MinSeconds, lateness.MaxSeconds));
        var expected = new long[KpiHistogram.Buckets];
        expected[KpiHistogram.BucketOf(TimeSpan.FromMinutes(-30))]++;
        expected[KpiHistogram.BucketOf(TimeSpan.FromSeconds(1.5))]++;
        expected[KpiHistogram.Buckets - 1]++;
        Assert.Equal(expected, lateness.Histogram);
        Assert.Empty(await Store.ReadKpisAsync(carrier, first.AddDays(10), first.AddDays(20), default));
    }

    [Fact]
    public async Task Exception_pages_continue_exactly_after_the_last_item_while_items_are_opened_between_pages()
    {
        // Ties in time are ordered by id; ids that sort differently as text and as numbers.
        await Store.ApplyAsync(
            [.. Enumerable.Range(1, 25).Select(i => (ReadModelChange)new OpenExceptionItem(Item($"X-{i}", T0.AddMinutes(i / 3))))], default);
        var expected = (await AllPagesAsync(limit => Store.ListExceptionsAsync(new ExceptionQuery([], false, null), limit, default), 100))
            .Select(item => item.ExceptionId).ToList();
        Assert.Equal(
            Enumerable.Range(1, 25).OrderBy(i => i / 3).ThenBy(i => $"X-{i}", StringComparer.Ordinal).Select(i => $"X-{i}"),
            expected);

        var first = await Store.ListExceptionsAsync(new ExceptionQuery([], false, null), PageRequest.First(10), default);
        Assert.Equal(expected.Take(10), first.Items.Select(item => item.ExceptionId));
        // One before the cursor (never shown now), one tied with the last item shown but after it by id, one at the end.
        var last = first.Items[^1];
        await ApplyAsync(
            new OpenExceptionItem(Item("A-early", T0.AddMinutes(-1))),
            new OpenExceptionItem(Item(last.ExceptionId + "0", last.OpenedAt)),
            new OpenExceptionItem(Item("Z-late", T0.AddHours(1))));

        var rest = await AllPagesAsync(limit => Store.ListExceptionsAsync(new ExceptionQuery([], false, null), limit, default), 7, first.Next);

        Assert.Equal(expected.Skip(10).Prepend(last.ExceptionId + "0").Append("Z-late"), rest.Select(item => item.ExceptionId));
    }

    [Fact]
    public async Task Open_only_pages_of_one_queue_hold_every_open_item_of_it_once()
    {
        await Store.ApplyAsync(
            [.. Enumerable.Range(1, 30).SelectMany(i => new ReadModelChange[]
            {
                new OpenExceptionItem(Item($"X-{i:D2}", T0.AddMinutes(i), i % 2 == 0 ? ExceptionQueue.CreditHold : ExceptionQueue.ErpFailure)),
                new ResolveExceptionItem(i % 3 == 0 ? $"X-{i:D2}" : "none", "done", T0.AddHours(1)),
            })],
            default);

        var pages = await AllPagesAsync(limit => Store.ListExceptionsAsync(new ExceptionQuery([ExceptionQueue.CreditHold], true, null), limit, default), 4);

        Assert.Equal(
            Enumerable.Range(1, 30).Where(i => i % 2 == 0 && i % 3 != 0).Select(i => $"X-{i:D2}"),
            pages.Select(item => item.ExceptionId));
    }

    [Fact]
    public async Task Customer_shipments_page_newest_first_and_continue_after_the_last_one_while_shipments_are_booked()
    {
        await Store.ApplyAsync([.. Enumerable.Range(1, 12).Select(i => (ReadModelChange)Track($"S-{i}", "C-1", T0.AddMinutes(i / 2)))], default);
        await ApplyAsync(Track("S-other", "C-2", T0));
        var expected = Enumerable.Range(1, 12)
            .OrderByDescending(i => i / 2).ThenByDescending(i => $"S-{i}", StringComparer.Ordinal).Select(i => $"S-{i}").ToList();

        var first = await Store.ListCustomerShipmentsAsync("C-1", PageRequest.First(5), default);
        Assert.Equal(expected.Take(5), first.Items.Select(shipment => shipment.ShipmentId));
        await ApplyAsync(Track("S-newest", "C-1", T0.AddDays(1)), Track("S-0", "C-1", T0.AddMinutes(-1)));
        var rest = await AllPagesAsync(limit => Store.ListCustomerShipmentsAsync("C-1", limit, default), 5, first.Next);

        Assert.Equal(expected.Skip(5).Append("S-0"), rest.Select(shipment => shipment.ShipmentId));
    }

    [Fact]
    public async Task Notification_case_and_dead_letter_pages_join_up_to_the_whole_list()
    {
        await Store.ApplyAsync(
            [.. Enumerable.Range(1, 9).SelectMany(i => new ReadModelChange[]
            {
                new QueueNotification(Notification($"N-{i}", "C-1", T0.AddMinutes(i % 4))),
                OpenCase($"CASE-{i}", "C-1", Entry(T0.AddMinutes(i % 4), "opened", $"E-{i}")),
                new KeepDeadLetter(CarrierEvent("CARR-1", $"E-{i}"), "invalid", T0.AddMinutes(i % 4)),
            })],
            default);
        var order = Enumerable.Range(1, 9).OrderBy(i => i % 4).ThenBy(i => i).ToList();

        Assert.Equal(
            order.Select(i => $"N-{i}"),
            (await AllPagesAsync(limit => Store.ListNotificationsAsync("C-1", limit, default), 2)).Select(notification => notification.NotificationId));
        Assert.Equal(
            order.Select(i => $"CASE-{i}"),
            (await AllPagesAsync(limit => Store.ListCasesAsync("C-1", false, limit, default), 2)).Select(view => view.CaseId));
        Assert.Equal(
            order.Select(i => $"E-{i}"),
            (await AllPagesAsync(limit => Store.ListDeadLettersAsync("CARR-1", limit, default), 2)).Select(letter => letter.CarrierEvent.EventId));
    }

    [Fact]
    public async Task A_page_is_at_most_the_maximum_and_a_cursor_the_grid_did_not_hand_out_is_refused()
    {
        await Store.ApplyAsync([.. Enumerable.Range(1, PageRequest.MaxLimit + 1).Select(i => (ReadModelChange)Track($"S-{i}", "C-1", T0))], default);

        var page = await Store.ListCustomerShipmentsAsync("C-1", new PageRequest(PageRequest.MaxLimit * 2, null), default);

        Assert.Equal(PageRequest.MaxLimit, page.Items.Length);
        Assert.NotNull(page.Next);
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ListCustomerShipmentsAsync("C-1", new PageRequest(10, "not-a-cursor"), default));
    }

    [Fact]
    public async Task Purging_removes_only_what_was_resolved_replayed_sent_or_counted_before_each_cutoff()
    {
        var carrier = KpiSubject.Carrier("CARR-1");
        await ApplyAsync(
            new OpenExceptionItem(Item("X-old", T0.AddDays(-60))),
            new ResolveExceptionItem("X-old", "done", T0.AddDays(-40)),
            new OpenExceptionItem(Item("X-recent", T0.AddDays(-60))),
            new ResolveExceptionItem("X-recent", "done", T0.AddDays(-1)),
            new OpenExceptionItem(Item("X-open", T0.AddDays(-60))),
            OpenCase("CASE-old", "C-1", Entry(T0.AddDays(-200), "opened", "E-1")),
            new ResolveServiceCase("CASE-old", Entry(T0.AddDays(-100), "closed", "E-2")),
            OpenCase("CASE-open", "C-1", Entry(T0.AddDays(-200), "opened", "E-3")),
            new QueueNotification(Notification("N-old", "C-1", T0.AddDays(-31))),
            new QueueNotification(Notification("N-new", "C-1", T0.AddDays(-29))),
            new KeepDeadLetter(CarrierEvent("CARR-1", "E-old"), "invalid", T0.AddDays(-60)),
            new MarkDeadLetterReplayed("CARR-1", "E-old", T0.AddDays(-31)),
            new KeepDeadLetter(CarrierEvent("CARR-1", "E-open"), "invalid", T0.AddDays(-60)),
            new CountKpi(carrier, KpiMetrics.Bookings, T0.AddDays(-401), 1),
            new CountKpi(carrier, KpiMetrics.Bookings, T0.AddDays(-399), 1));
        var cutoffs = new ReadModelRetentionOptions().CutoffsAt(T0);

        var removed = await Store.PurgeAsync(cutoffs, default);

        Assert.Equal(5, removed);
        Assert.Equal(["X-open", "X-recent"], (await ExceptionIdsAsync(new ExceptionQuery([], false, null))).Order(StringComparer.Ordinal));
        Assert.Equal(["CASE-open"], (await Store.ListCasesAsync("C-1", false, PageRequest.First(), default)).Items.Select(view => view.CaseId));
        Assert.Equal(["N-new"], (await Store.ListNotificationsAsync("C-1", PageRequest.First(), default)).Items.Select(notification => notification.NotificationId));
        Assert.Equal(["E-open"], (await Store.ListDeadLettersAsync("CARR-1", PageRequest.First(), default)).Items.Select(letter => letter.CarrierEvent.EventId));
        var first = DateOnly.FromDateTime(T0.UtcDateTime).AddDays(-500);
        var kpis = await Store.ReadKpisAsync(carrier, first, first.AddDays(1000), default);
        Assert.Equal([(KpiMetrics.Bookings, 1L), (KpiMetrics.DeadLetters, 2L)], kpis.Select(kpi => (kpi.Metric, kpi.Count)));
        Assert.Equal(0, await Store.PurgeAsync(cutoffs, default));
    }

    protected Task ApplyAsync(params ReadModelChange[] changes) => Store.ApplyAsync(changes, default);

    protected static ExceptionItem Item(string id, DateTimeOffset openedAt, ExceptionQueue queue = ExceptionQueue.DeliveryException, string? cause = null, string reason = "late") =>
        new(id, queue, $"shipment/{id}", reason, openedAt, OwnerTeam.Operations | OwnerTeam.CustomerService, null, null, cause ?? $"cause-{id}", "C-1");

    protected static ServiceCaseEntry Entry(DateTimeOffset at, string text, string? source) => new(at, text, source);

    protected static OpenServiceCase OpenCase(string caseId, string customerId, ServiceCaseEntry entry) =>
        new(caseId, customerId, $"S-{caseId}", ServiceCaseReason.DeliveryException, entry);

    protected static CrmNotification Notification(string id, string customerId, DateTimeOffset at) =>
        new(id, customerId, CrmNotificationKind.ExceptionOpened, $"shipment/{id}", $"text of {id}", at);

    protected static TrackCustomerShipment Track(string shipmentId, string customerId, DateTimeOffset bookedAt) => new(customerId, shipmentId, "CARR-1", bookedAt);

    [Fact]
    public async Task Dead_letters_list_across_carriers_oldest_first_filtered_by_carrier_source_reason_age_and_status_in_pages()
    {
        await ApplyAsync(
            new KeepDeadLetter(CarrierEvent("CARR-1", "E-1"), "not booked", T0, RejectionCode.ShipmentNotBooked),
            new KeepDeadLetter(CarrierEvent("CARR-2", "E-1") with { Source = EventSource.Api }, "not booked", T0, RejectionCode.ShipmentNotBooked),
            new KeepDeadLetter(CarrierEvent("CARR-2", "E-2"), "invalid", T0.AddHours(1), RejectionCode.ValidationFailed),
            new KeepDeadLetter(CarrierEvent("CARR-3", "E-3") with { Source = EventSource.Api }, "mismatch", T0.AddHours(2), RejectionCode.CarrierMismatch),
            new KeepDeadLetter(CarrierEvent("CARR-1", "E-4"), "not booked", T0.AddHours(3), RejectionCode.ShipmentNotBooked));
        await ApplyAsync(
            new DiscardDeadLetter("CARR-2", "E-2", "sent in error", T0.AddHours(4)),
            new DiscardDeadLetter("CARR-2", "E-2", "again", T0.AddHours(5)),
            new MarkDeadLetterReplayed("CARR-1", "E-4", T0.AddHours(4)),
            new DiscardDeadLetter("CARR-1", "E-4", "too late", T0.AddHours(5)));

        Assert.Equal(["CARR-1/E-1", "CARR-2/E-1", "CARR-3/E-3"], await LetterKeysAsync(new DeadLetterQuery(), limit: 2));
        Assert.Equal(
            ["CARR-1/E-1", "CARR-2/E-1", "CARR-2/E-2", "CARR-3/E-3", "CARR-1/E-4"],
            await LetterKeysAsync(new DeadLetterQuery(OpenOnly: false), limit: 2));
        Assert.Equal(["CARR-1/E-1", "CARR-1/E-4"], await LetterKeysAsync(new DeadLetterQuery(CarrierId: "CARR-1", OpenOnly: false), limit: 1));
        Assert.Equal(["CARR-2/E-1", "CARR-3/E-3"], await LetterKeysAsync(new DeadLetterQuery(Source: EventSource.Api), limit: 1));
        Assert.Equal(["CARR-1/E-1", "CARR-2/E-1"], await LetterKeysAsync(new DeadLetterQuery(Reason: RejectionCode.ShipmentNotBooked), limit: 5));
        Assert.Equal(["CARR-2/E-1"], await LetterKeysAsync(new DeadLetterQuery(CarrierId: "CARR-2", Source: EventSource.Api, Reason: RejectionCode.ShipmentNotBooked), limit: 5));
        Assert.Equal(["CARR-1/E-1", "CARR-2/E-1"], await LetterKeysAsync(new DeadLetterQuery(DeadLetteredBefore: T0.AddHours(1)), limit: 5));

        var discarded = await Store.FindDeadLetterAsync("CARR-2", "E-2", default);
        Assert.Equal(
            (DeadLetterStatus.Discarded, "sent in error", T0.AddHours(4), RejectionCode.ValidationFailed),
            (discarded?.Status, discarded?.DiscardReason, discarded?.DiscardedAt, discarded?.ReasonCode));
        Assert.Equal((DeadLetterStatus.Replayed, null), ((await Store.FindDeadLetterAsync("CARR-1", "E-4", default))?.Status, (await Store.FindDeadLetterAsync("CARR-1", "E-4", default))?.DiscardReason));

        // Kept again (the partner resent it), a discarded letter is open again with the new rejection.
        await ApplyAsync(new KeepDeadLetter(CarrierEvent("CARR-2", "E-2"), "not booked", T0.AddHours(6), RejectionCode.ShipmentNotBooked));
        var reopened = await Store.FindDeadLetterAsync("CARR-2", "E-2", default);
        Assert.Equal((DeadLetterStatus.Open, null, RejectionCode.ShipmentNotBooked), (reopened?.Status, reopened?.DiscardReason, reopened?.ReasonCode));
    }

    [Fact]
    public async Task A_reference_finds_its_latest_booking_per_carrier_and_of_one_carrier_exactly()
    {
        ShipmentBooking Booking(string shipmentId, string carrierId, string? pro, string? bol) => new(
            shipmentId, "C-1", carrierId, new Location("Lyon", null, "FR", "69001"), new Location("Nice", null, "FR", "06000"),
            new ShipmentReferences(pro, bol, null), null, null, new ServiceFlags(false));
        await ApplyAsync(
            new IndexShipmentReferences(Booking("S-1", "CARR-1", "PRO-7", "BOL-1"), T0),
            new IndexShipmentReferences(Booking("S-2", "CARR-2", "PRO-7", null), T0.AddHours(1)),
            new IndexShipmentReferences(Booking("S-3", "CARR-1", "PRO-7", " "), T0.AddDays(-1)));
        await ApplyAsync(new IndexShipmentReferences(Booking("S-1", "CARR-1", "PRO-7", "BOL-1"), T0));

        Assert.Equal(
            [("S-2", "CARR-2"), ("S-1", "CARR-1")],
            (await Store.FindShipmentsAsync(ShipmentReferenceKind.ProNumber, "PRO-7", null, 10, default)).Select(match => (match.ShipmentId, match.CarrierId)));
        Assert.Equal(
            ["S-1"],
            (await Store.FindShipmentsAsync(ShipmentReferenceKind.ProNumber, "PRO-7", "CARR-1", 10, default)).Select(match => match.ShipmentId));
        Assert.Equal(
            [("S-1", "C-1", T0)],
            (await Store.FindShipmentsAsync(ShipmentReferenceKind.BillOfLading, "BOL-1", null, 10, default)).Select(match => (match.ShipmentId, match.CustomerId, match.BookedAt)));
        Assert.Empty(await Store.FindShipmentsAsync(ShipmentReferenceKind.BillOfLading, " ", null, 10, default));
        Assert.Single(await Store.FindShipmentsAsync(ShipmentReferenceKind.ProNumber, "PRO-7", null, 1, default));
    }

    private async Task<List<string>> LetterKeysAsync(DeadLetterQuery query, int limit)
    {
        var keys = new List<string>();
        string? after = null;
        do
        {
            var page = await Store.ListDeadLettersAsync(query, new PageRequest(limit, after), default);
            Assert.True(page.Items.Length <= limit);
            keys.AddRange(page.Items.Select(letter => $"{letter.CarrierEvent.CarrierId}/{letter.CarrierEvent.EventId}"));
            after = page.Next;
        }
        while (after is not null);
        return keys;
    }

    protected static CarrierEvent CarrierEvent(string carrierId, string eventId) => new(
        eventId, carrierId, "S-1", MilestoneType.PickedUp, null, T0, T0.AddSeconds(1), new Location("Lyon", null, "FR", "69001"), "X1", "notes",
        EventSource.Stream, Shipments.CarrierEvent.CurrentSchemaVersion, false);

    private static (string?, string?, DateTimeOffset?) Summary(ExceptionItem? item) => (item?.Reason, item?.Cause, item?.OpenedAt);

    private async Task<List<string>> ExceptionIdsAsync(ExceptionQuery query) =>
        [.. (await AllPagesAsync(limit => Store.ListExceptionsAsync(query, limit, default), 3)).Select(item => item.ExceptionId)];

    /// <summary>Every page from <paramref name="after"/> on, each at most <paramref name="limit"/> long, joined.</summary>
    private static async Task<List<T>> AllPagesAsync<T>(Func<PageRequest, Task<Page<T>>> list, int limit, string? after = null)
    {
        var items = new List<T>();
        for (var pages = 0; pages < 1000; pages++)
        {
            var page = await list(new PageRequest(limit, after));
            Assert.True(page.Items.Length <= limit);
            items.AddRange(page.Items);
            if (page.Next is null)
            {
                return items;
            }

            after = page.Next;
        }

        throw new InvalidOperationException("The list did not end.");
    }

    /// <summary>Everything the idempotency test wrote, as comparable text.</summary>
    private async Task<string> SnapshotAsync()
    {
        var item = await Store.FindExceptionAsync("X-1", default);
        var serviceCase = await Store.FindCaseAsync("C-1", "CASE-1", default);
        var notifications = (await Store.ListNotificationsAsync("C-1", PageRequest.First(), default)).Items;
        var shipments = (await Store.ListCustomerShipmentsAsync("C-1", PageRequest.First(), default)).Items;
        var letter = await Store.FindDeadLetterAsync("CARR-1", "E-9", default);
        var kpis = await Store.ReadKpisAsync(KpiSubject.Carrier("CARR-1"), DateOnly.MinValue, DateOnly.MaxValue, default);
        return string.Join(
            '\n',
            item,
            serviceCase! with { Timeline = [] },
            string.Join(';', serviceCase!.Timeline),
            string.Join(';', notifications),
            string.Join(';', shipments),
            letter,
            string.Join(';', kpis.Select(kpi => $"{kpi.Metric}={kpi.Count}")));
    }
}
