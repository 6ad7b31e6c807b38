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

    /// <summary>The longest carrier event id; ids travel into keys and dead-letter subjects.</summary>
    public const int MaxEventIdLength = 128;

    /// <summary>The longest free text of a carrier event (<c>notes</c>).</summary>
    public const int MaxNotesLength = 2000;

    public const int MaxReasonCodeLength = 32;

    /// <summary>The longest resolution text operations or customer service may record.</summary>
    public const int MaxResolutionLength = 2000;

    private const int MaxCityLength = 100;
    private const int MaxStateLength = 50;
    private const int MaxPostalCodeLength = 20;

    /// <summary>How long a country may be before it is a size problem rather than a wrong code (judged per event).</summary>
    private const int MaxCountryTextLength = 64;

    /// <summary>
    /// Beyond this an id in a kept event is cut: still longer than any valid id, so the kept event stays invalid, yet
    /// bounded.
    /// </summary>
    private const int KeptIdLength = 256;

    /// <summary>
    /// Only the lengths of a carrier event's texts: what must hold before an event is kept anywhere (a dead letter, the
    /// journal). The API refuses a request that breaks them as a whole; everything else about an event is judged per event.
    /// </summary>
    public static ImmutableDictionary<string, ImmutableArray<string>> ValidateLengths(CarrierEvent carrierEvent)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        var errors = new FieldErrors();
        errors.Text("eventId", carrierEvent.EventId, MaxEventIdLength, required: false);
        errors.Text("carrierId", carrierEvent.CarrierId, FieldErrors.MaxIdentifierLength, required: false);
        errors.Text("shipmentId", carrierEvent.ShipmentId, FieldErrors.MaxIdentifierLength, required: false);
        errors.Text("reasonCode", carrierEvent.ReasonCode, MaxReasonCodeLength, required: false);
        errors.Text("notes", carrierEvent.Notes, MaxNotesLength, required: false);
        if (carrierEvent.Location is { } location)
        {
            errors.Text("location.city", location.City, MaxCityLength, required: false);
            errors.Text("location.state", location.State, MaxStateLength, required: false);
            errors.Text("location.country", location.Country, MaxCountryTextLength, required: false);
            errors.Text("location.postalCode", location.PostalCode, MaxPostalCodeLength, required: false);
        }

        return errors.ToImmutable();
    }

    /// <summary>
    /// The event with every text cut to its bound, for keeping what the grid refused (a dead letter): free text keeps its
    /// longest valid prefix, ids are cut further out so an over-long id stays invalid. Nothing a partner sends is kept whole
    /// beyond these bounds, whichever channel it came by.
    /// </summary>
    public static CarrierEvent Bounded(CarrierEvent carrierEvent)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        return carrierEvent with
        {
            EventId = Cut(carrierEvent.EventId, KeptIdLength)!,
            CarrierId = Cut(carrierEvent.CarrierId, KeptIdLength)!,
            ShipmentId = Cut(carrierEvent.ShipmentId, KeptIdLength)!,
            ReasonCode = Cut(carrierEvent.ReasonCode, MaxReasonCodeLength),
            Notes = Cut(carrierEvent.Notes, MaxNotesLength),
            Location = carrierEvent.Location is { } location
                ? location with
                {
                    City = Cut(location.City, MaxCityLength)!,
                    State = Cut(location.State, MaxStateLength),
                    Country = Cut(location.Country, MaxCountryTextLength)!,
                    PostalCode = Cut(location.PostalCode, MaxPostalCodeLength),
                }
                : null,
        };
    }

    /// <summary>At most <paramref name="length"/> characters of <paramref name="text"/>, never half a surrogate pair.</summary>
    public static string? Cut(string? text, int length)
    {
        if (text is null || text.Length <= length)
        {
            return text;
        }

        return char.IsHighSurrogate(text[length - 1]) ? text[..(length - 1)] : text[..length];
    }

    /// <summary>A resolution recorded on an exception: present and bounded.</summary>
    public static ImmutableDictionary<string, ImmutableArray<string>> ValidateResolution(string? resolution)
    {
        var errors = new FieldErrors();
        errors.Text("resolution", resolution, MaxResolutionLength, required: true);
        return errors.ToImmutable();
    }

    /// <summary>Why a charge is voided: required, bounded like a resolution.</summary>
    public static ImmutableDictionary<string, ImmutableArray<string>> ValidateVoid(string? reason)
    {
        var errors = new FieldErrors();
        errors.Text("reason", reason, MaxResolutionLength, required: true);
        return errors.ToImmutable();
    }

    public static ImmutableDictionary<string, ImmutableArray<string>> Validate(CarrierEvent carrierEvent)
    {
        ArgumentNullException.ThrowIfNull(carrierEvent);
        var errors = new FieldErrors();
        errors.Text("eventId", carrierEvent.EventId, MaxEventIdLength, required: true);
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
        errors.Text("reasonCode", carrierEvent.ReasonCode, MaxReasonCodeLength, required: false);
        errors.Text("notes", carrierEvent.Notes, MaxNotesLength, required: false);
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

        errors.Text($"{field}.city", location.City, MaxCityLength, required: true);
        errors.Text($"{field}.state", location.State, MaxStateLength, required: false);
        errors.Country($"{field}.country", location.Country);
        errors.Text($"{field}.postalCode", location.PostalCode, MaxPostalCodeLength, required: false);
    }
}
