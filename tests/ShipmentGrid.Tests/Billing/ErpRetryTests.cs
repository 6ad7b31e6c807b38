using ShipmentGrid.Billing;
using ShipmentGrid.Operations;

namespace ShipmentGrid.Tests.Billing;

public sealed class ErpRetryTests
{
    private static readonly BillingOptions Defaults = new();

    private static readonly DateTimeOffset Now = new(2026, 3, 4, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_delay_doubles_after_each_failure_and_stops_growing_at_an_hour()
    {
        Assert.Equal(
            [1, 2, 4, 8, 16, 32, 60, 60],
            Enumerable.Range(1, 8).Select(failed => (int)Defaults.RetryDelayAfter(failed).TotalMinutes));
        Assert.Equal(TimeSpan.FromHours(1), Defaults.RetryDelayAfter(int.MaxValue));
    }

    [Fact]
    public void Configured_delays_double_from_the_first_up_to_the_longest()
    {
        var hurried = new BillingOptions { RetryFirstDelay = TimeSpan.FromSeconds(2), RetryLongestDelay = TimeSpan.FromSeconds(10) };

        Assert.Equal([2, 4, 8, 10, 10], Enumerable.Range(1, 5).Select(failed => (int)hurried.RetryDelayAfter(failed).TotalSeconds));
        Assert.Null(hurried.Problem());
        Assert.NotNull(new BillingOptions { ReminderPeriod = TimeSpan.FromMilliseconds(10) }.Problem());
        Assert.NotNull(new BillingOptions { RetryFirstDelay = TimeSpan.FromHours(2) }.Problem());
    }

    [Fact]
    public void Early_failures_open_no_exception()
    {
        Assert.Null(ErpRetry.ExceptionFor("INV-S-1", ErpRetry.FailuresBeforeException - 1, open: null, Now));
    }

    [Fact]
    public void Repeated_failures_open_one_erp_failure_exception_for_finance_and_operations()
    {
        var opened = ErpRetry.ExceptionFor("INV-S-1", ErpRetry.FailuresBeforeException, open: null, Now);

        Assert.NotNull(opened);
        Assert.Equal(
            (ExceptionQueue.ErpFailure, "invoice/INV-S-1", OwnerTeam.Finance | OwnerTeam.Operations, Now, true),
            (opened.Queue, opened.Subject, opened.Owners, opened.OpenedAt, opened.IsOpen));
        Assert.StartsWith($"ERP posting failed {ErpRetry.FailuresBeforeException} times", opened.Reason, StringComparison.Ordinal);
        Assert.Null(ErpRetry.ExceptionFor("INV-S-1", ErpRetry.FailuresBeforeException + 1, opened, Now));
    }
}
