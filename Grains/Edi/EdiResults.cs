using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Edi;

/// <summary>
/// What the intake needs to know beyond the document. <see cref="ExpectedSenderIds"/> are the ids the carrier
/// sends under (SCAC, EDI id). <see cref="CarrierTimeZone"/> is the carrier's IANA zone for local times (LT or
/// no time code); the carrier profile has no such field yet, so the caller passes it (null: local times are
/// rejected). <see cref="ReceivedAt"/> stamps the events and anchors the century window of six-digit dates.
/// </summary>
public sealed record EdiIntakeContext(
    CarrierProfile Carrier,
    ImmutableArray<string> ExpectedSenderIds,
    string? CarrierTimeZone,
    DateTimeOffset ReceivedAt);

/// <summary>
/// Accepted; Rejected: the set is malformed (a missing or unreadable segment: the 997 says R); Refused: well
/// formed but wrong for the business (an invoice whose totals do not add up: the 997, a syntax
/// acknowledgement, says A, and the refusal is reported here).
/// </summary>
public enum EdiSetStatus
{
    Accepted = 0,
    Rejected = 1,
    Refused = 2,
}

/// <summary>One transaction set's outcome. <see cref="AckErrorCode"/> is the 997 AK502 code of a rejection.</summary>
public sealed record EdiSetResult(
    string TransactionSetId,
    string ControlNumber,
    EdiSetStatus Status,
    string? Reason,
    string? AckErrorCode,
    int Events,
    int Charges,
    ImmutableArray<string> Warnings);

/// <summary>One functional group's outcome. A group the grid cannot read (an unknown GS01 or GS08) is rejected with its sets.</summary>
public sealed record EdiGroupResult(
    string FunctionalId,
    string ControlNumber,
    string Version,
    string SenderId,
    string ReceiverId,
    string? Rejection,
    string? AckErrorCode,
    ImmutableArray<EdiSetResult> Sets);

/// <summary>
/// One AT7 status as the carrier sent it (raw date, time and time code kept) beside what the grid makes of
/// it: <see cref="Event"/> is null when the status code has no meaning for this carrier (a warning says so).
/// <see cref="ShipmentId"/> is B1002, empty when the set names the shipment only by its PRO or bill of lading: then the
/// caller finds it by those (and <see cref="Event"/> carries an empty shipment id until then).
/// </summary>
public sealed record EdiShipmentStatus(
    string ControlNumber,
    string ShipmentId,
    string? ProNumber,
    string? BillOfLading,
    ImmutableArray<string> PurchaseOrders,
    string StatusCode,
    string? ReasonCode,
    string RawDate,
    string RawTime,
    string RawTimeCode,
    DateTimeOffset OccurredAt,
    Location? Location,
    string? EquipmentScac,
    string? EquipmentNumber,
    CarrierEvent? Event);

/// <summary>
/// One L1 line of a 210 and the <see cref="Charge"/> made from it. Weight and quantity (L0) have no place on
/// <see cref="Charge"/>, so they travel here beside it.
/// </summary>
public sealed record EdiChargeLine(
    string? LineNumber,
    string? ChargeCode,
    string? Description,
    decimal? Weight,
    string? WeightUnit,
    decimal? Quantity,
    string? QuantityUnit,
    Charge Charge);

/// <summary>One accepted 210 freight invoice.</summary>
public sealed record EdiFreightInvoice(
    string ControlNumber,
    string InvoiceNumber,
    string ShipmentId,
    DateOnly InvoiceDate,
    string? PaymentMethod,
    Money NetAmount,
    Money? TotalCharge,
    ImmutableArray<EdiChargeLine> Lines);

/// <summary>
/// The whole answer for one interchange. A <see cref="Rejection"/> means the envelope failed and nothing in
/// it was taken (no groups, statuses or invoices); otherwise every group and set is listed with its
/// outcome, and <see cref="Statuses"/> and <see cref="Invoices"/> hold what the accepted sets said.
/// </summary>
public sealed record EdiInterchangeResult(
    string? ControlNumber,
    string? SenderId,
    string? Rejection,
    X12Envelope? Envelope,
    ImmutableArray<EdiGroupResult> Groups,
    ImmutableArray<EdiShipmentStatus> Statuses,
    ImmutableArray<EdiFreightInvoice> Invoices,
    ImmutableArray<string> Warnings)
{
    public bool Accepted => Rejection is null;

    /// <summary>The carrier events to send to shipments: one per status whose code has a meaning.</summary>
    public IEnumerable<CarrierEvent> CarrierEvents() => Statuses.Select(status => status.Event).OfType<CarrierEvent>();

    /// <summary>The charges to record, each with the shipment it belongs to.</summary>
    public IEnumerable<(string ShipmentId, Charge Charge)> Charges() =>
        Invoices.SelectMany(invoice => invoice.Lines.Select(line => (invoice.ShipmentId, line.Charge)));
}
