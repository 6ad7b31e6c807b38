using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

/// <summary>What a carrier's status code means for a shipment: a milestone or a delivery exception.</summary>
public sealed record CarrierStatusMeaning(MilestoneType? Milestone, ExceptionKind? DeliveryException);

/// <summary>
/// Translates a carrier's own codes (X12 AT701 status codes, L108 charge codes) through its profile.
/// Unmapped codes return null: the caller dead-letters or ignores them (e.g. AG, estimated delivery),
/// never guesses.
/// </summary>
public static class CarrierCodes
{
    public static CarrierStatusMeaning? StatusMeaning(CarrierProfile carrier, string statusCode)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        if (carrier.MilestoneCodes.TryGetValue(statusCode, out var milestone))
        {
            return new CarrierStatusMeaning(milestone, null);
        }

        return carrier.ExceptionCodes.TryGetValue(statusCode, out var kind) ? new CarrierStatusMeaning(null, kind) : null;
    }

    public static ChargeType? ChargeTypeOf(CarrierProfile carrier, string chargeCode)
    {
        ArgumentNullException.ThrowIfNull(carrier);
        return carrier.ChargeCodes.TryGetValue(chargeCode, out var type) ? type : null;
    }
}
