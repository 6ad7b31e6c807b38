using System.Collections.Immutable;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Shipments;

/// <summary>
/// What a shipment command decided. Applied carries the events to record (fold them with
/// <see cref="ShipmentHistory.Apply"/>) and publish, in order; Duplicate and Rejected record nothing.
/// </summary>
public sealed record ShipmentDecision(
    CommandOutcome Outcome,
    ImmutableArray<IShipmentEvent> Events,
    RejectionCode Rejection,
    string? Reason,
    ImmutableDictionary<string, ImmutableArray<string>> Errors)
{
    public static ShipmentDecision Applied(ImmutableArray<IShipmentEvent> events) =>
        new(CommandOutcome.Applied, events, RejectionCode.None, null, FieldErrors.None);

    public static ShipmentDecision Duplicate(string reason) =>
        new(CommandOutcome.Duplicate, [], RejectionCode.None, reason, FieldErrors.None);

    public static ShipmentDecision Rejected(RejectionCode rejection, string reason) =>
        new(CommandOutcome.Rejected, [], rejection, reason, FieldErrors.None);

    public static ShipmentDecision Invalid(ImmutableDictionary<string, ImmutableArray<string>> errors) =>
        new(CommandOutcome.Rejected, [], RejectionCode.ValidationFailed, "Validation failed.", errors);

    public CommandResult ToResult() => new(Outcome, Rejection, Reason, Errors);
}
