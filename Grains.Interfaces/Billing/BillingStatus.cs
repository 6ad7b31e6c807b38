namespace ShipmentGrid.Billing;

[GenerateSerializer, Alias("sg.billing-status.v1")]
public enum BillingStatus
{
    /// <summary>No proof of delivery yet.</summary>
    NotReady = 0,

    /// <summary>Proof of delivery received, but charges are missing or wrong.</summary>
    AwaitingCharges = 1,

    ReadyToInvoice = 2,
    Invoiced = 3,
}

[GenerateSerializer, Alias("sg.billing-problem-kind.v1")]
public enum BillingProblemKind
{
    ProofOfDeliveryMissing = 0,
    ChargeMissing = 1,
    AmountNotPositive = 2,
    CurrencyMismatch = 3,
}

/// <summary>One reason a shipment cannot be invoiced yet, precise enough for finance to act on.</summary>
[GenerateSerializer, Immutable, Alias("sg.billing-problem.v1")]
public sealed record BillingProblem(
    [Id(0)] BillingProblemKind Kind,
    [Id(1)] ChargeType? ChargeType,
    [Id(2)] string? ChargeId,
    [Id(3)] string Detail);
