using System.Collections.Immutable;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Shipments;

/// <summary>Field checks on what callers and carriers send, before any business rule runs.</summary>
public static class ShipmentValidation
{
    /// <summary>Carrier clocks drift; an event stamped further than this after its receipt is not believed.</summary>
    public static readonly TimeSpan ClockSkewTolerance = TimeSpan.FromHours(1);

    public static ImmutableDictionary<string, ImmutableArray<string>> Validate(ShipmentBooking booking)
    {
        ArgumentNullException.ThrowIfNull(booking);
        var errors = new FieldErrors();
        errors.Identifier("shipmentId", booking.ShipmentId);
        errors.Identifier("customerId", booking.CustomerId);
        errors.Identifier("carrierId", booking.CarrierId);
        ValidateLocation(errors, "origin", booking.Origin, required: true);
        ValidateLocation(errors, "destination", booking.Destination, required: true);
        if (booking.References is null)
        {
            errors.Add("references", "Required.");
        }
        else
        {
            errors.Text("references.proNumber", booking.References.ProNumber, 64, required: false);
            errors.Text("references.billOfLading", booking.References.BillOfLading, 64, required: false);
            errors.Text("references.purchaseOrder", booking.References.PurchaseOrder, 64, required: false);
        }

        if (booking.PlannedPickup > booking.PlannedDelivery)
        {
            errors.Add("plannedDelivery", "Must not be before plannedPickup.");
        }

        if (booking.ServiceFlags is null)
        {
            errors.Add("serviceFlags", "Required.");
        }

        return errors.ToImmutable();
    }

    public static ImmutableDictionary<string, ImmutableArray<string>> Validate(CarrierEvent carrierEvent)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        var errors = new FieldErrors();
        errors.Text("eventId", carrierEvent.EventId, 128, required: true);
        errors.Identifier("carrierId", carrierEvent.CarrierId);
        errors.Identifier("shipmentId", carrierEvent.ShipmentId);
        switch (carrierEvent.Milestone, carrierEvent.DeliveryException)
        {
            case (null, null):
            case (not null, not null):
                errors.Add("milestone", "Give exactly one of milestone or deliveryException.");
                break;
            case (MilestoneType milestone, null):
                errors.Defined("milestone", milestone);
                break;
            case (null, ExceptionKind kind):
                errors.Defined("deliveryException", kind);
                break;
        }

        errors.Instant("occurredAt", carrierEvent.OccurredAt);
        errors.Instant("receivedAt", carrierEvent.ReceivedAt);
        if (carrierEvent.OccurredAt != default && carrierEvent.ReceivedAt != default
            && carrierEvent.OccurredAt - carrierEvent.ReceivedAt > ClockSkewTolerance)
        {
            errors.Add("occurredAt", "Lies in the future of receivedAt.");
        }

        ValidateLocation(errors, "location", carrierEvent.Location, required: false);
        errors.Text("reasonCode", carrierEvent.ReasonCode, 32, required: false);
        errors.Text("notes", carrierEvent.Notes, 2000, required: false);
        errors.Defined("source", carrierEvent.Source);
        if (carrierEvent.SchemaVersion is < 1 or > CarrierEvent.CurrentSchemaVersion)
        {
            errors.Add("schemaVersion", $"Supported: 1 to {CarrierEvent.CurrentSchemaVersion}.");
        }

        return errors.ToImmutable();
    }

    private static void ValidateLocation(FieldErrors errors, string field, Location? location, bool required)
    {
        if (location is null)
        {
            if (required)
            {
                errors.Add(field, "Required.");
            }

            return;
        }

        errors.Text($"{field}.city", location.City, 100, required: true);
        errors.Text($"{field}.state", location.State, 50, required: false);
        errors.Country($"{field}.country", location.Country);
        errors.Text($"{field}.postalCode", location.PostalCode, 20, required: false);
    }
}
