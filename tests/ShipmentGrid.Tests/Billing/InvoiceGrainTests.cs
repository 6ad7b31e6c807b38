using Orleans.Core.Internal;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Journal;
using ShipmentGrid.Operations;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Billing;

public sealed class InvoiceGrainTests(BillingCluster silo) : IClassFixture<BillingCluster>
{
    private static readonly BillingOptions Defaults = new();

    private readonly IGrainFactory grains = silo.Grains;

    private static readonly string[] HoldInvoices = ["INV-S-HOLD-A", "INV-S-HOLD-B", "INV-S-HOLD-C"];

    private static readonly string[] CutInvoices = ["INV-S-CUT-1", "INV-S-CUT-2", "INV-S-CUT-3"];

    private static ScriptedErpGateway Erp => BillingCluster.Erp;

    [Fact]
    public async Task Opening_twice_and_concurrently_creates_one_invoice_and_posts_it_once()
    {
        await RegisterAsync("C-ONCE", limit: 10_000m);
        var ready = Ready("S-ONCE", "C-ONCE", 1_200m);
        var invoice = grains.GetGrain<IInvoiceGrain>("S-ONCE");

        var views = await Task.WhenAll(invoice.Open(ready), invoice.Open(ready), invoice.Open(ready));
        var again = await invoice.Open(ready);

        Assert.All(views, view => Assert.Equal(again with { Lines = view.Lines }, view));
        Assert.All(views, view => Assert.Equal(again.Lines.AsEnumerable(), view.Lines));
        Assert.Equal(InvoiceStatus.Posted, again.Status);
        Assert.Equal("INV-S-ONCE", again.InvoiceNumber);
        Assert.Equal(new Money(1_290m, "USD"), again.Total);
        Assert.NotNull(again.ErpDocumentNumber);
        Assert.Equal(1, Erp.CallsFor("INV-S-ONCE"));
        Assert.Single(LedgerEntries("C-ONCE"));
        Assert.Empty(await silo.RemindersOf(invoice));
        var credit = await CreditAsync("C-ONCE");
        Assert.Equal(1_290m, credit.Profile.OpenReceivables.Amount);
        Assert.Equal(0m, credit.Reserved.Amount);
    }

    [Fact]
    public async Task Over_the_limit_the_invoice_is_held_finance_is_told_and_a_payment_posts_it()
    {
        await RegisterAsync("C-LIMIT", limit: 1_500m);
        var first = await grains.GetGrain<IInvoiceGrain>("S-LIMIT-1").Open(Ready("S-LIMIT-1", "C-LIMIT", 1_000m));
        var second = await grains.GetGrain<IInvoiceGrain>("S-LIMIT-2").Open(Ready("S-LIMIT-2", "C-LIMIT", 1_000m));

        Assert.Equal(InvoiceStatus.Posted, first.Status);
        Assert.Equal(InvoiceStatus.OnHold, second.Status);
        Assert.Contains("exceed the credit limit", second.HoldReason, StringComparison.Ordinal);
        var held = await CreditAsync("C-LIMIT");
        Assert.Equal(["INV-S-LIMIT-2"], held.HeldInvoices.Select(invoice => invoice.InvoiceNumber));
        var notice = Assert.Single(held.FinanceNotices);
        Assert.Equal((ExceptionQueue.CreditHold, "invoice/INV-S-LIMIT-2", OwnerTeam.Finance), (notice.Queue, notice.Subject, notice.Owners));
        Assert.Equal(0, Erp.CallsFor("INV-S-LIMIT-2"));

        var customer = grains.GetGrain<ICustomerGrain>("C-LIMIT");
        Assert.Equal(CommandOutcome.Applied, (await customer.RecordPayment(new CustomerPayment("PAY-1", 1_090m))).Outcome);
        Assert.Equal(CommandOutcome.Duplicate, (await customer.RecordPayment(new CustomerPayment("PAY-1", 1_090m))).Outcome);

        var posted = await PostedAsync("S-LIMIT-2");
        Assert.Null(posted.HoldReason);
        var after = await CreditAsync("C-LIMIT");
        Assert.Empty(after.HeldInvoices);
        Assert.Empty(after.FinanceNotices);
        Assert.Equal(1_090m, after.Profile.OpenReceivables.Amount);

        // The payment and the released invoice reach the ledger on their own paths, so only the set is fixed.
        await Eventually.Holds(() => Task.FromResult(LedgerEntries("C-LIMIT").Length == 3), Deadline, "the payment in the ledger");
        Assert.Equal(
            [("INV-S-LIMIT-1", LedgerEntryKind.Invoice), ("INV-S-LIMIT-2", LedgerEntryKind.Invoice), ("PAY-1", LedgerEntryKind.Payment)],
            LedgerEntries("C-LIMIT").Select(entry => (entry.Reference, entry.Kind)).Order());
    }

    [Fact]
    public async Task Two_invoices_cannot_both_pass_the_limit()
    {
        await RegisterAsync("C-RACE", limit: 1_500m);

        var views = await Task.WhenAll(
            grains.GetGrain<IInvoiceGrain>("S-RACE-1").Open(Ready("S-RACE-1", "C-RACE", 1_000m)),
            grains.GetGrain<IInvoiceGrain>("S-RACE-2").Open(Ready("S-RACE-2", "C-RACE", 1_000m)));

        Assert.Equal([InvoiceStatus.OnHold, InvoiceStatus.Posted], views.Select(view => view.Status).Order());
        Assert.Single(LedgerEntries("C-RACE"));
    }

    [Fact]
    public async Task Credit_taken_by_an_invoice_still_posting_is_not_given_to_another()
    {
        await RegisterAsync("C-RESERVE", limit: 1_500m);
        Erp.FailNext("INV-S-RESERVE-1", 1);

        var stuck = await grains.GetGrain<IInvoiceGrain>("S-RESERVE-1").Open(Ready("S-RESERVE-1", "C-RESERVE", 1_000m));
        var next = await grains.GetGrain<IInvoiceGrain>("S-RESERVE-2").Open(Ready("S-RESERVE-2", "C-RESERVE", 1_000m));

        Assert.Equal((InvoiceStatus.Failed, InvoiceStatus.OnHold), (stuck.Status, next.Status));
        var credit = await CreditAsync("C-RESERVE");
        Assert.Equal((0m, 1_090m), (credit.Profile.OpenReceivables.Amount, credit.Reserved.Amount));
    }

    [Fact]
    public async Task A_held_invoice_keeps_no_reminder_and_waits_for_its_release_to_post()
    {
        await RegisterAsync("C-WAIT", limit: 100_000m);
        var customer = grains.GetGrain<ICustomerGrain>("C-WAIT");
        Assert.Equal(CommandOutcome.Applied, (await customer.PlaceHold("Awaiting a remittance")).Outcome);
        var invoice = grains.GetGrain<IInvoiceGrain>("S-WAIT-1");

        Assert.Equal(InvoiceStatus.OnHold, (await invoice.Open(Ready("S-WAIT-1", "C-WAIT", 500m))).Status);
        Assert.Empty(await silo.RemindersOf(invoice));

        // A tick left from before (a reminder registered by an earlier build) changes nothing and is not kept.
        await TickAsync(invoice);
        Assert.Equal(InvoiceStatus.OnHold, (await invoice.GetView())?.Status);
        Assert.Empty(await silo.RemindersOf(invoice));
        Assert.Equal(0, Erp.CallsFor("INV-S-WAIT-1"));

        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        await PostedAsync("S-WAIT-1");
        await Eventually.Holds(async () => (await silo.RemindersOf(invoice)).Length == 0, Deadline, "the released invoice's reminder to stop");
    }

    [Fact]
    public async Task A_manual_hold_holds_invoices_and_lifting_it_posts_them_oldest_first_each_once()
    {
        await RegisterAsync("C-HOLD", limit: 100_000m);
        var customer = grains.GetGrain<ICustomerGrain>("C-HOLD");
        Assert.Equal(CommandOutcome.Applied, (await customer.PlaceHold("Disputed invoices")).Outcome);

        // Opened out of name order, an hour apart: age, not name, decides the order.
        foreach (var shipmentId in new[] { "S-HOLD-B", "S-HOLD-C", "S-HOLD-A" })
        {
            var view = await grains.GetGrain<IInvoiceGrain>(shipmentId).Open(Ready(shipmentId, "C-HOLD", 500m));
            Assert.Equal(InvoiceStatus.OnHold, view.Status);
            Assert.Contains("Disputed invoices", view.HoldReason, StringComparison.Ordinal);
            BillingCluster.Clock.Advance(TimeSpan.FromHours(1));
        }

        Assert.Empty(LedgerEntries("C-HOLD"));
        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        Assert.Equal(CommandOutcome.Duplicate, (await customer.ReleaseHold()).Outcome);
        foreach (var shipmentId in new[] { "S-HOLD-A", "S-HOLD-B", "S-HOLD-C" })
        {
            await PostedAsync(shipmentId);

            // A second release, as a redelivered message would be, posts nothing again.
            await grains.GetGrain<IInvoiceGrain>(shipmentId).Release();
        }

        await Eventually.Holds(async () => (await CreditAsync("C-HOLD")).Profile.OpenReceivables.Amount == 3 * 590m, Deadline, "receivables of the three");
        Assert.Equal(["INV-S-HOLD-B", "INV-S-HOLD-C", "INV-S-HOLD-A"], LedgerEntries("C-HOLD").Select(entry => entry.Reference));
        Assert.Equal([1, 1, 1], HoldInvoices.Select(Erp.CallsFor));
        Assert.Empty(await silo.RemindersOf(customer));
    }

    [Fact]
    public async Task A_release_cut_short_by_a_crash_finishes_oldest_first_and_posts_each_invoice_once()
    {
        var customer = await OnHoldWithInvoicesAsync("C-CUT", "S-CUT-1", "S-CUT-2", "S-CUT-3");

        // The silo dies while the second invoice is on its way to the ERP: the release stops there.
        Erp.CrashNext("INV-S-CUT-2");
        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        await PostedAsync("S-CUT-1");
        await Eventually.Holds(() => Task.FromResult(Erp.CallsFor("INV-S-CUT-2") == 1), Deadline, "the cut-short posting");
        Assert.Equal(InvoiceStatus.OnHold, (await grains.GetGrain<IInvoiceGrain>("S-CUT-3").GetView())?.Status);
        Assert.Equal([CustomerGrain.PendingReminder], await silo.RemindersOf(customer));
        await customer.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await grains.GetGrain<IInvoiceGrain>("S-CUT-2").Cast<IGrainManagementExtension>().DeactivateOnIdle();

        await customer.AsReference<IRemindable>().ReceiveReminder(CustomerGrain.PendingReminder, default);

        await PostedAsync("S-CUT-3");
        Assert.Equal(CutInvoices, LedgerEntries("C-CUT").Select(entry => entry.Reference));
        Assert.Equal([1, 2, 1], CutInvoices.Select(Erp.CallsFor));
        await Eventually.Holds(async () => (await silo.RemindersOf(customer)).Length == 0, Deadline, "the customer's reminder to stop");
        var credit = await CreditAsync("C-CUT");
        Assert.Equal((570m, 0m), (credit.Profile.OpenReceivables.Amount, credit.Reserved.Amount));
    }

    [Fact]
    public async Task A_customer_answers_credit_requests_while_its_release_waits_on_the_erp()
    {
        var customer = await OnHoldWithInvoicesAsync("C-BUSY", "S-BUSY-1");
        var erpAnswers = Erp.HoldNext("INV-S-BUSY-1");

        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        await Eventually.Holds(() => Task.FromResult(Erp.CallsFor("INV-S-BUSY-1") == 1), Deadline, "the release to reach the ERP");

        // Answered although the released invoice is still waiting in the ERP: the customer's turn does not wait on it.
        var next = new HeldInvoice("INV-S-BUSY-2", "S-BUSY-2", new Money(50m, "USD"), BillingCluster.Clock.GetUtcNow());
        var decision = await customer.RequestCredit(next).WaitAsync(Deadline);
        Assert.True(decision.IsApproved);
        Assert.Empty(LedgerEntries("C-BUSY"));

        erpAnswers.SetResult();
        await PostedAsync("S-BUSY-1");
        await Eventually.Holds(async () => (await CreditAsync("C-BUSY")).Profile.OpenReceivables.Amount == 190m, Deadline, "the receivable");
    }

    [Fact]
    public async Task A_payment_the_ledger_fails_once_is_kept_and_lands_in_the_ledger_exactly_once()
    {
        await RegisterAsync("C-PAY", limit: 1_000m);
        Assert.Equal(InvoiceStatus.Posted, (await grains.GetGrain<IInvoiceGrain>("S-PAY-1").Open(Ready("S-PAY-1", "C-PAY", 800m))).Status);
        Assert.Equal(InvoiceStatus.OnHold, (await grains.GetGrain<IInvoiceGrain>("S-PAY-2").Open(Ready("S-PAY-2", "C-PAY", 500m))).Status);
        var customer = grains.GetGrain<ICustomerGrain>("C-PAY");
        Erp.FailNext("PAY-C-PAY-1", 1);

        // Taken at once although the ERP is down: the payment is stored with the customer before the ledger call.
        Assert.Equal(CommandOutcome.Applied, (await customer.RecordPayment(new CustomerPayment("PAY-C-PAY-1", 890m))).Outcome);
        await Eventually.Holds(() => Task.FromResult(Erp.CallsFor("PAY-C-PAY-1") == 1), Deadline, "the first ledger attempt");
        Assert.DoesNotContain(LedgerEntries("C-PAY"), entry => entry.Kind == LedgerEntryKind.Payment);
        await PostedAsync("S-PAY-2");
        Assert.Equal([CustomerGrain.PendingReminder], await silo.RemindersOf(customer));

        await customer.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await customer.AsReference<IRemindable>().ReceiveReminder(CustomerGrain.PendingReminder, default);

        await Eventually.Holds(async () => (await silo.RemindersOf(customer)).Length == 0, Deadline, "the payment in the ledger");
        Assert.Equal(CommandOutcome.Duplicate, (await customer.RecordPayment(new CustomerPayment("PAY-C-PAY-1", 890m))).Outcome);
        await customer.AsReference<IRemindable>().ReceiveReminder(CustomerGrain.PendingReminder, default);
        var payment = Assert.Single(LedgerEntries("C-PAY"), entry => entry.Kind == LedgerEntryKind.Payment);
        Assert.Equal(-890m, payment.Amount.Amount);
        Assert.Equal(590m, (await CreditAsync("C-PAY")).Profile.OpenReceivables.Amount);
    }

    [Fact]
    public async Task A_payment_id_sent_again_with_another_amount_is_rejected_and_changes_nothing()
    {
        await RegisterAsync("C-REUSE", limit: 1_000m);
        var customer = grains.GetGrain<ICustomerGrain>("C-REUSE");
        Assert.Equal(CommandOutcome.Applied, (await customer.RecordPayment(new CustomerPayment("PAY-R", 100m))).Outcome);

        var reused = await customer.RecordPayment(new CustomerPayment("PAY-R", 150m));

        Assert.Equal((CommandOutcome.Rejected, RejectionCode.PaymentIdReused), (reused.Outcome, reused.Rejection));
        Assert.Equal(CommandOutcome.Duplicate, (await customer.RecordPayment(new CustomerPayment("PAY-R", 100.00m))).Outcome);
        Assert.Equal(-100m, (await CreditAsync("C-REUSE")).Profile.OpenReceivables.Amount);
    }

    [Fact]
    public async Task A_higher_limit_releases_what_fits_and_a_newer_invoice_waits_behind_an_older_one()
    {
        await RegisterAsync("C-RAISE", limit: 1_000m);
        var older = await grains.GetGrain<IInvoiceGrain>("S-RAISE-1").Open(Ready("S-RAISE-1", "C-RAISE", 2_000m));
        BillingCluster.Clock.Advance(TimeSpan.FromMinutes(5));
        var newer = await grains.GetGrain<IInvoiceGrain>("S-RAISE-2").Open(Ready("S-RAISE-2", "C-RAISE", 100m));
        Assert.Equal((InvoiceStatus.OnHold, InvoiceStatus.OnHold), (older.Status, newer.Status));

        Assert.Equal(CommandOutcome.Applied, (await grains.GetGrain<ICustomerGrain>("C-RAISE").SetCreditLimit(3_000m)).Outcome);

        await PostedAsync("S-RAISE-2");
        Assert.Equal(["INV-S-RAISE-1", "INV-S-RAISE-2"], LedgerEntries("C-RAISE").Select(entry => entry.Reference));
    }

    [Fact]
    public async Task A_failed_posting_is_retried_with_backoff_and_repeated_failures_open_an_erp_failure()
    {
        await RegisterAsync("C-ERP", limit: 10_000m);
        Erp.FailNext("INV-S-ERP", ErpRetry.FailuresBeforeException);
        var invoice = grains.GetGrain<IInvoiceGrain>("S-ERP");

        Assert.Equal(InvoiceStatus.Failed, (await invoice.Open(Ready("S-ERP", "C-ERP", 800m))).Status);
        Assert.Equal([InvoiceGrain.PostingReminder], await silo.RemindersOf(invoice));
        await TickAsync(invoice);
        Assert.Equal(1, Erp.CallsFor("INV-S-ERP"));

        for (var failed = 1; failed < ErpRetry.FailuresBeforeException; failed++)
        {
            var posting = await invoice.GetPosting();
            Assert.Null(posting?.ErpFailure);
            Assert.Equal(BillingCluster.Clock.GetUtcNow() + Defaults.RetryDelayAfter(failed), posting?.NextAttemptAt);
            BillingCluster.Clock.Advance(Defaults.RetryDelayAfter(failed));
            await TickAsync(invoice);
        }

        var failing = await invoice.GetPosting();
        Assert.Equal((InvoiceStatus.Failed, ErpRetry.FailuresBeforeException), (failing?.Status, failing?.FailedAttempts));
        Assert.Equal((ExceptionQueue.ErpFailure, true), (failing?.ErpFailure?.Queue, failing?.ErpFailure?.IsOpen));
        Assert.Empty(LedgerEntries("C-ERP"));

        // The gateway said "ERP timed out."; callers and finance's queue get the grid's own words, the log gets the rest.
        Assert.Equal(ErpRetry.PostingFailed, failing?.LastFailure);
        Assert.DoesNotContain("timed out", failing?.ErpFailure?.Reason, StringComparison.Ordinal);

        BillingCluster.Clock.Advance(Defaults.RetryDelayAfter(ErpRetry.FailuresBeforeException));
        await TickAsync(invoice);

        var recovered = await invoice.GetPosting();
        Assert.Equal(InvoiceStatus.Posted, recovered?.Status);
        Assert.False(recovered?.ErpFailure?.IsOpen);
        Assert.Equal(ErpRetry.FailuresBeforeException + 1, Erp.CallsFor("INV-S-ERP"));
        Assert.Empty(await silo.RemindersOf(invoice));
        Assert.Single(LedgerEntries("C-ERP"));
        Assert.Equal(890m, (await CreditAsync("C-ERP")).Profile.OpenReceivables.Amount);
    }

    [Fact]
    public async Task A_posting_the_throttle_has_no_slot_for_waits_for_the_next_tick_without_counting_a_failure()
    {
        await RegisterAsync("C-THROTTLED", limit: 10_000m);
        Erp.BusyNext("INV-S-THROTTLED", ErpRetry.FailuresBeforeException + 1);
        var invoice = grains.GetGrain<IInvoiceGrain>("S-THROTTLED");

        Assert.Equal(InvoiceStatus.Posting, (await invoice.Open(Ready("S-THROTTLED", "C-THROTTLED", 800m))).Status);
        for (var tick = 0; tick < ErpRetry.FailuresBeforeException; tick++)
        {
            await TickAsync(invoice);
        }

        var waiting = await invoice.GetPosting();
        Assert.Equal((InvoiceStatus.Posting, 0, null), (waiting?.Status, waiting?.FailedAttempts, waiting?.ErpFailure));
        Assert.Equal([InvoiceGrain.PostingReminder], await silo.RemindersOf(invoice));
        Assert.Empty(LedgerEntries("C-THROTTLED"));

        await TickAsync(invoice);

        Assert.Equal(InvoiceStatus.Posted, (await invoice.GetPosting())?.Status);
        Assert.Equal(ErpRetry.FailuresBeforeException + 2, Erp.CallsFor("INV-S-THROTTLED"));
        Assert.Single(LedgerEntries("C-THROTTLED"));
    }

    [Fact]
    public async Task On_credit_hold_a_credit_note_still_posts_and_lowers_receivables_while_a_supplementary_invoice_is_held()
    {
        await RegisterAsync("C-ADJ", limit: 10_000m);
        Assert.Equal(InvoiceStatus.Posted, (await grains.GetGrain<IInvoiceGrain>("S-ADJ").Open(Ready("S-ADJ", "C-ADJ", 1_000m))).Status);
        Assert.Equal(CommandOutcome.Applied, (await grains.GetGrain<ICustomerGrain>("C-ADJ").PlaceHold("Disputed")).Outcome);

        var credit = await grains.GetGrain<IInvoiceGrain>("S-ADJ~A1").OpenAdjustment(Adjustment("S-ADJ", "C-ADJ", 1, -90m));
        var supplementary = await grains.GetGrain<IInvoiceGrain>("S-ADJ~A2").OpenAdjustment(Adjustment("S-ADJ", "C-ADJ", 2, 40m));

        Assert.Equal((InvoiceKind.CreditNote, InvoiceStatus.Posted, "INV-S-ADJ"), (credit.Kind, credit.Status, credit.OriginalInvoiceNumber));
        Assert.Equal((InvoiceKind.SupplementaryInvoice, InvoiceStatus.OnHold), (supplementary.Kind, supplementary.Status));
        Assert.Equal(1_000m, (await CreditAsync("C-ADJ")).Profile.OpenReceivables.Amount);
        Assert.Equal([1_090m, -90m], LedgerEntries("C-ADJ").Select(entry => entry.Amount.Amount));
    }

    [Fact]
    public async Task An_adjustment_waits_as_a_draft_until_its_original_posts_and_then_posts_once()
    {
        var customer = await OnHoldWithInvoicesAsync("C-ADJ-WAIT", "S-ADJ-WAIT");
        var adjustment = grains.GetGrain<IInvoiceGrain>("S-ADJ-WAIT~A1");

        Assert.Equal(InvoiceStatus.Draft, (await adjustment.OpenAdjustment(Adjustment("S-ADJ-WAIT", "C-ADJ-WAIT", 1, 25m))).Status);
        await TickAsync(adjustment);
        Assert.Equal(0, Erp.CallsFor("INV-S-ADJ-WAIT~A1"));
        Assert.Equal([InvoiceGrain.PostingReminder], await silo.RemindersOf(adjustment));

        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);

        // The original resumes the adjustment once it posts: no reminder tick needed.
        await PostedAsync("S-ADJ-WAIT");
        await PostedAsync("S-ADJ-WAIT~A1");
        Assert.Equal(1, Erp.CallsFor("INV-S-ADJ-WAIT~A1"));
        Assert.Equal(215m, (await CreditAsync("C-ADJ-WAIT")).Profile.OpenReceivables.Amount);
        await Eventually.Holds(async () => (await silo.RemindersOf(adjustment)).Length == 0, Deadline, "the adjustment's reminder to stop");
    }

    [Fact]
    public async Task A_lost_erp_answer_is_retried_under_the_same_key_and_posts_once()
    {
        await RegisterAsync("C-LOST", limit: 10_000m);
        Erp.LoseNextAnswer("INV-S-LOST");
        var invoice = grains.GetGrain<IInvoiceGrain>("S-LOST");

        Assert.Equal(InvoiceStatus.Failed, (await invoice.Open(Ready("S-LOST", "C-LOST", 100m))).Status);
        BillingCluster.Clock.Advance(Defaults.RetryDelayAfter(1));
        await TickAsync(invoice);

        var view = await invoice.GetView();
        Assert.Equal(InvoiceStatus.Posted, view?.Status);
        var entry = Assert.Single(LedgerEntries("C-LOST"));
        Assert.Equal("INV-S-LOST", entry.Reference);
        Assert.Equal(190m, (await CreditAsync("C-LOST")).Profile.OpenReceivables.Amount);
    }

    [Fact]
    public async Task A_posting_cut_short_by_a_lost_activation_resumes_from_storage()
    {
        await RegisterAsync("C-CRASH", limit: 10_000m);
        Erp.CrashNext("INV-S-CRASH");
        var invoice = grains.GetGrain<IInvoiceGrain>("S-CRASH");

        await Assert.ThrowsAnyAsync<Exception>(() => invoice.Open(Ready("S-CRASH", "C-CRASH", 100m)));
        await invoice.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        Assert.Equal(InvoiceStatus.Posting, (await invoice.GetView())?.Status);

        await TickAsync(invoice);

        Assert.Equal(InvoiceStatus.Posted, (await invoice.GetView())?.Status);
        Assert.Single(LedgerEntries("C-CRASH"));
        var credit = await CreditAsync("C-CRASH");
        Assert.Equal((190m, 0m), (credit.Profile.OpenReceivables.Amount, credit.Reserved.Amount));
    }

    [Fact]
    public async Task Asking_credit_again_for_the_same_invoice_answers_the_first_decision_and_reserves_once()
    {
        await RegisterAsync("C-ASK", limit: 1_000m);
        var customer = grains.GetGrain<ICustomerGrain>("C-ASK");
        var fits = new HeldInvoice("INV-S-ASK-1", "S-ASK-1", new Money(600m, "USD"), BillingCluster.Clock.GetUtcNow());
        var over = new HeldInvoice("INV-S-ASK-2", "S-ASK-2", new Money(600m, "USD"), BillingCluster.Clock.GetUtcNow());

        // An invoice grain that crashed after asking asks again on resumption: the answer must not change.
        Assert.True((await customer.RequestCredit(fits)).IsApproved);
        Assert.True((await customer.RequestCredit(fits)).IsApproved);
        Assert.Equal(CreditHoldCause.OverLimit, (await customer.RequestCredit(over)).Cause);
        Assert.Equal(CreditHoldCause.OverLimit, (await customer.RequestCredit(over)).Cause);

        var credit = await CreditAsync("C-ASK");
        Assert.Equal(600m, credit.Reserved.Amount);
        Assert.Equal(["INV-S-ASK-2"], credit.HeldInvoices.Select(invoice => invoice.InvoiceNumber));
        Assert.Single(credit.FinanceNotices);
    }

    [Fact]
    public async Task A_held_invoice_released_and_posted_journals_held_released_and_posted_once_each_with_the_pickup_and_pod_times()
    {
        var customer = await OnHoldWithInvoicesAsync("C-JOURNAL", "S-JOURNAL");
        Assert.Equal([typeof(InvoiceHeld)], (await InvoiceEventsAsync("S-JOURNAL")).Select(journaled => journaled.GetType()));

        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        var posted = await PostedAsync("S-JOURNAL");
        var invoice = grains.GetGrain<IInvoiceGrain>("S-JOURNAL");
        await invoice.Release();
        await TickAsync(invoice);

        var events = await InvoiceEventsAsync("S-JOURNAL");
        Assert.Equal(["INV-S-JOURNAL/held", "INV-S-JOURNAL/released", "INV-S-JOURNAL/posted"], events.Select(journaled => journaled.EventId));
        var held = Assert.IsType<InvoiceHeld>(events[0]);
        Assert.Contains("Awaiting credit review", held.Reason, StringComparison.Ordinal);
        Assert.All(events, journaled => Assert.Equal(("S-JOURNAL", "INV-S-JOURNAL", "C-JOURNAL"), (journaled.ShipmentId, journaled.InvoiceNumber, journaled.CustomerId)));
        var journaledPosting = Assert.IsType<InvoicePosted>(events[2]);
        Assert.Equal((posted.ErpDocumentNumber, posted.PostedAt, posted.Total), (journaledPosting.ErpDocumentNumber, (DateTimeOffset?)journaledPosting.OccurredAt, journaledPosting.Total));
        Assert.Equal((PickedUpAt("S-JOURNAL"), ProofOfDeliveryAt("S-JOURNAL")), (journaledPosting.PickedUpAt, journaledPosting.ProofOfDeliveryAt));
        Assert.Null(journaledPosting.ResolvesErpFailure);

        var snapshot = await silo.Journal.ReadSnapshotAsync<InvoiceState>(JournalStreams.Invoice("S-JOURNAL"), CancellationToken.None);
        Assert.Equal((InvoiceStatus.Posted, true, 3), (snapshot?.State.Invoice?.Status, snapshot?.State.ReceivableRecorded, snapshot?.Version.Events));
    }

    [Fact]
    public async Task An_invoice_that_passes_the_credit_check_journals_only_its_posting_however_often_it_is_opened()
    {
        await RegisterAsync("C-JOURNAL-OK", limit: 10_000m);
        var invoice = grains.GetGrain<IInvoiceGrain>("S-JOURNAL-OK");

        await Task.WhenAll(invoice.Open(Ready("S-JOURNAL-OK", "C-JOURNAL-OK", 100m)), invoice.Open(Ready("S-JOURNAL-OK", "C-JOURNAL-OK", 100m)));
        await invoice.Open(Ready("S-JOURNAL-OK", "C-JOURNAL-OK", 100m));

        var posted = Assert.IsType<InvoicePosted>(Assert.Single(await InvoiceEventsAsync("S-JOURNAL-OK")));
        Assert.Equal(("INV-S-JOURNAL-OK/posted", new Money(190m, "USD")), (posted.EventId, posted.Total));
    }

    [Fact]
    public async Task A_posting_whose_commit_fails_is_made_again_from_the_stored_state_and_journaled_with_its_event()
    {
        await RegisterAsync("C-COMMIT", limit: 10_000m);
        silo.Faults.FailNextCommit(JournalStreams.Invoice("S-COMMIT"), journaled => journaled is InvoicePosted);
        var invoice = grains.GetGrain<IInvoiceGrain>("S-COMMIT");

        await Assert.ThrowsAsync<TimeoutException>(() => invoice.Open(Ready("S-COMMIT", "C-COMMIT", 100m)));
        var again = await invoice.Open(Ready("S-COMMIT", "C-COMMIT", 100m));

        Assert.Equal(InvoiceStatus.Posted, again.Status);
        Assert.IsType<InvoicePosted>(Assert.Single(await InvoiceEventsAsync("S-COMMIT")));
        Assert.Single(LedgerEntries("C-COMMIT"));
        Assert.Equal(190m, (await CreditAsync("C-COMMIT")).Profile.OpenReceivables.Amount);
    }

    [Fact]
    public async Task Each_failed_posting_is_journaled_once_the_repeated_failure_carries_the_erp_failure_and_the_posting_resolves_it()
    {
        await RegisterAsync("C-JOURNAL-ERP", limit: 10_000m);
        Erp.FailNext("INV-S-JOURNAL-ERP", ErpRetry.FailuresBeforeException);
        var invoice = grains.GetGrain<IInvoiceGrain>("S-JOURNAL-ERP");
        await invoice.Open(Ready("S-JOURNAL-ERP", "C-JOURNAL-ERP", 100m));
        for (var failed = 1; failed <= ErpRetry.FailuresBeforeException; failed++)
        {
            // A tick before the backoff has passed attempts nothing and journals nothing.
            await TickAsync(invoice);
            BillingCluster.Clock.Advance(Defaults.RetryDelayAfter(failed));
            await TickAsync(invoice);
        }

        var events = await InvoiceEventsAsync("S-JOURNAL-ERP");
        var failures = events.OfType<InvoicePostingFailed>().ToList();
        Assert.Equal(Enumerable.Range(1, ErpRetry.FailuresBeforeException), failures.Select(failure => failure.Attempt));
        Assert.Equal(
            Enumerable.Range(1, ErpRetry.FailuresBeforeException).Select(attempt => $"INV-S-JOURNAL-ERP/posting-failed/{attempt}"),
            failures.Select(failure => failure.EventId));
        Assert.All(failures[..^1], failure => Assert.Null(failure.ErpFailure));
        Assert.All(failures, failure => Assert.Equal(ErpRetry.PostingFailed, failure.Failure));
        var opened = failures[^1].ErpFailure;
        Assert.Equal((ExceptionQueue.ErpFailure, true), (opened?.Queue, opened?.IsOpen));
        var posted = Assert.IsType<InvoicePosted>(Assert.Single(events, journaled => journaled is not InvoicePostingFailed));
        Assert.Same(posted, events[^1]);
        Assert.Equal(opened?.ExceptionId, posted.ResolvesErpFailure);
    }

    [Fact]
    public async Task A_customer_journals_each_credit_transition_once_with_its_state()
    {
        await RegisterAsync("C-JOURNAL-CREDIT", limit: 1_000m);
        var customer = grains.GetGrain<ICustomerGrain>("C-JOURNAL-CREDIT");
        Assert.Equal(CommandOutcome.Applied, (await customer.PlaceHold("Disputed invoices")).Outcome);
        Assert.Equal(CommandOutcome.Duplicate, (await customer.PlaceHold("Disputed invoices")).Outcome);
        Assert.Equal(CommandOutcome.Applied, (await customer.SetCreditLimit(2_000m)).Outcome);
        Assert.Equal(CommandOutcome.Duplicate, (await customer.SetCreditLimit(2_000m)).Outcome);
        Assert.Equal(CommandOutcome.Applied, (await customer.RecordPayment(new CustomerPayment("PAY-JOURNAL", 250m))).Outcome);
        Assert.Equal(CommandOutcome.Duplicate, (await customer.RecordPayment(new CustomerPayment("PAY-JOURNAL", 250m))).Outcome);
        Assert.Equal(CommandOutcome.Applied, (await customer.ReleaseHold()).Outcome);
        Assert.Equal(CommandOutcome.Duplicate, (await customer.ReleaseHold()).Outcome);

        var streamId = JournalStreams.Customer("C-JOURNAL-CREDIT");
        var events = await silo.Journal.ReadAsync<ICustomerEvent>(streamId, CancellationToken.None);
        Assert.Equal(
            [typeof(CustomerRegistered), typeof(CreditHoldPlaced), typeof(CreditLimitChanged), typeof(PaymentRecorded), typeof(CreditHoldLifted)],
            events.Select(journaled => journaled.GetType()));
        Assert.Equal(events.Count, events.Select(journaled => journaled.EventId).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal("Disputed invoices", Assert.IsType<CreditHoldPlaced>(events[1]).Reason);
        var limit = Assert.IsType<CreditLimitChanged>(events[2]);
        Assert.Equal((1_000m, 2_000m), (limit.Previous.Amount, limit.Limit.Amount));
        var payment = Assert.IsType<PaymentRecorded>(events[3]);
        Assert.Equal(("C-JOURNAL-CREDIT/payment/PAY-JOURNAL", 250m, -250m), (payment.EventId, payment.Amount.Amount, payment.OpenReceivables.Amount));

        var snapshot = await silo.Journal.ReadSnapshotAsync<CustomerState>(streamId, CancellationToken.None);
        Assert.Equal((false, 2_000m, -250m), (snapshot?.State.Profile?.CreditHold, snapshot?.State.Profile?.CreditLimit.Amount, snapshot?.State.Profile?.OpenReceivables.Amount));
        Assert.Equal(events.Count, snapshot?.Version.Events);
    }

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    /// <summary>Waits until the invoice is posted: releases run after the customer's command has answered.</summary>
    private Task<InvoiceView> PostedAsync(string shipmentId) =>
        Eventually.Succeeds(
            async () => await grains.GetGrain<IInvoiceGrain>(shipmentId).GetView() is { Status: InvoiceStatus.Posted } view
                ? view
                : throw new InvalidOperationException($"{shipmentId} is not posted yet."),
            Deadline,
            $"posting of {shipmentId}");

    /// <summary>A customer on credit hold with an invoice (100.00 linehaul) held per shipment, opened a minute apart in the given order.</summary>
    private async Task<ICustomerGrain> OnHoldWithInvoicesAsync(string customerId, params string[] shipmentIds)
    {
        await RegisterAsync(customerId, limit: 100_000m);
        var customer = grains.GetGrain<ICustomerGrain>(customerId);
        Assert.Equal(CommandOutcome.Applied, (await customer.PlaceHold("Awaiting credit review")).Outcome);
        foreach (var shipmentId in shipmentIds)
        {
            Assert.Equal(InvoiceStatus.OnHold, (await grains.GetGrain<IInvoiceGrain>(shipmentId).Open(Ready(shipmentId, customerId, 100m))).Status);
            BillingCluster.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        return customer;
    }

    private static AdjustmentRaised Adjustment(string shipmentId, string customerId, int sequence, decimal amount) => new(
        $"{shipmentId}/adjustment/{sequence}",
        shipmentId,
        BillingCluster.Clock.GetUtcNow(),
        customerId,
        $"INV-{shipmentId}~A{sequence}",
        $"INV-{shipmentId}",
        sequence,
        amount > 0 ? InvoiceKind.SupplementaryInvoice : InvoiceKind.CreditNote,
        [new InvoiceLine(1, $"{shipmentId}-ADJ-{sequence}", ChargeType.OtherAccessorial, new Money(amount, "USD"), ChargeSource.Manual, null)],
        new Money(amount, "USD"),
        "Test adjustment");

    private async Task RegisterAsync(string customerId, decimal limit)
    {
        var result = await grains.GetGrain<ICustomerGrain>(customerId).Register(new CustomerRegistration(customerId, "Northwind Traders", "USD", limit, 30));
        Assert.Equal(CommandOutcome.Applied, result.Outcome);
    }

    private async Task<CustomerCredit> CreditAsync(string customerId) =>
        await grains.GetGrain<ICustomerGrain>(customerId).GetCredit() ?? throw new InvalidOperationException($"No customer {customerId}.");

    /// <summary>Delivers the invoice's reminder tick now, as the reminder service would on schedule.</summary>
    private static Task TickAsync(IInvoiceGrain invoice) =>
        invoice.AsReference<IRemindable>().ReceiveReminder(InvoiceGrain.PostingReminder, default);

    private static LedgerEntry[] LedgerEntries(string customerId) =>
        [.. Erp.Ledger.Entries.Where(entry => entry.CustomerId == customerId)];

    private async Task<IReadOnlyList<IInvoiceEvent>> InvoiceEventsAsync(string shipmentId) =>
        await silo.Journal.ReadAsync<IInvoiceEvent>(JournalStreams.Invoice(shipmentId), CancellationToken.None);

    /// <summary>A billing-ready shipment: linehaul of <paramref name="linehaul"/> plus a 90.00 fuel surcharge.</summary>
    private static BillingReady Ready(string shipmentId, string customerId, decimal linehaul) => new(
        $"{shipmentId}/billing-ready",
        shipmentId,
        BillingCluster.Clock.GetUtcNow(),
        customerId,
        "USD",
        [
            new Charge($"{shipmentId}-LH", ChargeType.Linehaul, new Money(linehaul, "USD"), ChargeSource.Rating, "RATE-1"),
            new Charge($"{shipmentId}-FS", ChargeType.FuelSurcharge, new Money(90m, "USD"), ChargeSource.CarrierInvoice, "210-1"),
        ],
        PickedUpAt(shipmentId),
        ProofOfDeliveryAt(shipmentId));

    // Fixed per shipment (not the fake clock's now), so what the posting carries can be compared after the clock moved.
    private static DateTimeOffset PickedUpAt(string shipmentId) =>
        new DateTimeOffset(2026, 2, 20, 6, 30, 0, TimeSpan.FromHours(-5)).AddMinutes(shipmentId.Length);

    private static DateTimeOffset ProofOfDeliveryAt(string shipmentId) =>
        new DateTimeOffset(2026, 2, 23, 14, 15, 0, TimeSpan.FromHours(1)).AddMinutes(shipmentId.Length);
}
