namespace ShipmentGrid.Customers;

/// <summary>
/// A payment id is used once. The customer remembers a bounded window of its most recent payment ids with their
/// amounts, so a retry is answered as a duplicate and a reused id as a conflict without the state growing with
/// history; behind the window the ledger's unique payment id keeps the ledger itself from counting a payment twice.
/// </summary>
public static class PaymentIds
{
    /// <summary>How many recent payment ids a customer remembers: far more than any caller retries within.</summary>
    public const int Window = 1_000;

    /// <summary>Whether the payment is new, a retry of a recorded one, or a recorded id sent with another amount.</summary>
    public static PaymentIdCheck Check(IReadOnlyList<RecordedPayment> recent, CustomerPayment payment)
    {
        ArgumentNullException.ThrowIfNull(recent);
        ArgumentNullException.ThrowIfNull(payment);
        foreach (var recorded in recent)
        {
            if (string.Equals(recorded.PaymentId, payment.PaymentId, StringComparison.Ordinal))
            {
                return recorded.Amount == payment.Amount ? PaymentIdCheck.Duplicate : PaymentIdCheck.Reused;
            }
        }

        return PaymentIdCheck.New;
    }

    /// <summary>Adds the payment to the window, forgetting the oldest beyond <see cref="Window"/>.</summary>
    public static void Remember(List<RecordedPayment> recent, CustomerPayment payment)
    {
        ArgumentNullException.ThrowIfNull(recent);
        ArgumentNullException.ThrowIfNull(payment);
        recent.Add(new RecordedPayment(payment.PaymentId, payment.Amount));
        if (recent.Count > Window)
        {
            recent.RemoveRange(0, recent.Count - Window);
        }
    }
}

public enum PaymentIdCheck
{
    New,
    Duplicate,
    Reused,
}

/// <summary>A payment id the customer has recorded, with the amount it came with.</summary>
[GenerateSerializer, Immutable, Alias("sg.recorded-payment.v1")]
public sealed record RecordedPayment([Id(0)] string PaymentId, [Id(1)] decimal Amount);
