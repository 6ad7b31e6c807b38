namespace ShipmentGrid.Customers;

[GenerateSerializer, Alias("sg.credit-hold-cause.v1")]
public enum CreditHoldCause
{
    None = 0,
    ManualHold = 1,
    OverLimit = 2,
    CurrencyMismatch = 3,
}

/// <summary>Whether an invoice may post now; when not, the invoice is held (never dropped) with the reason.</summary>
[GenerateSerializer, Immutable, Alias("sg.credit-decision.v1")]
public sealed record CreditDecision([Id(0)] CreditHoldCause Cause, [Id(1)] string? Reason)
{
    public static CreditDecision Approved { get; } = new(CreditHoldCause.None, null);

    public bool IsApproved => Cause == CreditHoldCause.None;
}
