using ShipmentGrid.Customers;

namespace ShipmentGrid.Tests.Rules;

public sealed class PaymentIdsTests
{
    [Fact]
    public void A_recorded_id_with_the_same_amount_is_a_duplicate_and_with_another_amount_a_reuse()
    {
        var recent = new List<RecordedPayment>();
        PaymentIds.Remember(recent, new CustomerPayment("PAY-1", 250m));

        Assert.Equal(PaymentIdCheck.Duplicate, PaymentIds.Check(recent, new CustomerPayment("PAY-1", 250.00m)));
        Assert.Equal(PaymentIdCheck.Reused, PaymentIds.Check(recent, new CustomerPayment("PAY-1", 250.01m)));
        Assert.Equal(PaymentIdCheck.New, PaymentIds.Check(recent, new CustomerPayment("PAY-2", 250m)));
    }

    [Fact]
    public void The_window_keeps_the_most_recent_ids_and_never_grows_past_its_size()
    {
        var recent = new List<RecordedPayment>();
        for (var payment = 0; payment <= PaymentIds.Window; payment++)
        {
            PaymentIds.Remember(recent, new CustomerPayment($"PAY-{payment}", 10m));
        }

        Assert.Equal(PaymentIds.Window, recent.Count);
        Assert.Equal(PaymentIdCheck.New, PaymentIds.Check(recent, new CustomerPayment("PAY-0", 10m)));
        Assert.Equal(PaymentIdCheck.Duplicate, PaymentIds.Check(recent, new CustomerPayment("PAY-1", 10m)));
        Assert.Equal(PaymentIdCheck.Duplicate, PaymentIds.Check(recent, new CustomerPayment($"PAY-{PaymentIds.Window}", 10m)));
    }
}
