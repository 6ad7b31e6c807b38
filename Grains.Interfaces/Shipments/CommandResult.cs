using System.Collections.Immutable;

namespace ShipmentGrid.Shipments;

[GenerateSerializer, Alias("sg.command-outcome.v1")]
public enum CommandOutcome
{
    Applied = 0,

    /// <summary>Already recorded: reported back, not applied again. Callers treat it as success.</summary>
    Duplicate = 1,

    Rejected = 2,
}

/// <summary>Why a command was rejected; the API maps these to problem types and status codes.</summary>
[GenerateSerializer, Alias("sg.rejection-code.v1")]
public enum RejectionCode
{
    None = 0,
    ValidationFailed = 1,
    ShipmentNotBooked = 2,
    AlreadyBookedDifferently = 3,
    CarrierMismatch = 4,
    ExceptionAfterDelivery = 5,
    ChargeConflict = 6,
    ExceptionNotFound = 8,
    BillingNotReady = 9,
    InvoiceNumberMismatch = 10,
    CustomerNotFound = 11,
    AlreadyExists = 12,

    /// <summary>A payment id already recorded with another amount: a reused id, not a retry.</summary>
    PaymentIdReused = 14,

    /// <summary>The caller may see the resource but not make this change (its key lacks the role, or another tenant's data).</summary>
    Forbidden = 15,

    /// <summary>No such resource, or none the caller may see (the two are answered alike).</summary>
    NotFound = 16,

    /// <summary>The shipment has no (live) charge of that id.</summary>
    ChargeNotFound = 17,

    /// <summary>A charge after the invoice is in another currency than the customer is billed in.</summary>
    ChargeCurrencyMismatch = 18,

    /// <summary>The shipment has as many adjustments as one shipment may have; finance corrects it in the ERP.</summary>
    AdjustmentLimitReached = 19,
}

/// <summary>What a shipment command did, with field errors (field name → messages) when validation failed.</summary>
[GenerateSerializer, Immutable, Alias("sg.command-result.v1")]
public sealed record CommandResult(
    [Id(0)] CommandOutcome Outcome,
    [Id(1)] RejectionCode Rejection,
    [Id(2)] string? Reason,
    [Id(3)] ImmutableDictionary<string, ImmutableArray<string>> Errors);
