using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

public sealed class ValidationTests
{
    [Fact]
    public void A_well_formed_booking_event_and_charge_have_no_errors()
    {
        Assert.Empty(ShipmentValidation.Validate(Booking()));
        Assert.Empty(ShipmentValidation.Validate(Milestone("e1", MilestoneType.Dispatched, Start)));
        Assert.Empty(ChargeValidation.Validate(Charge("c1", ChargeType.Linehaul, 10m)));
    }

    [Fact]
    public void Booking_errors_name_each_field()
    {
        var booking = Booking() with
        {
            ShipmentId = "has space",
            CustomerId = "",
            Destination = new Location("", null, "usa", null),
            PlannedDelivery = Start,
        };

        var errors = ShipmentValidation.Validate(booking);

        Assert.Equal(
            ["customerId", "destination.city", "destination.country", "plannedDelivery", "shipmentId"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Required."], errors["customerId"].AsEnumerable());
    }

    [Fact]
    public void A_carrier_event_needs_exactly_one_of_milestone_or_delivery_exception()
    {
        var both = Milestone("e1", MilestoneType.Delivered, Start) with { DeliveryException = ExceptionKind.Damaged };
        var neither = Milestone("e1", MilestoneType.Delivered, Start) with { Milestone = null };

        Assert.Contains("milestone", ShipmentValidation.Validate(both).Keys);
        Assert.Contains("milestone", ShipmentValidation.Validate(neither).Keys);
    }

    [Fact]
    public void A_carrier_event_with_unknown_codes_missing_times_or_a_future_time_is_invalid()
    {
        var unknown = Milestone("e1", (MilestoneType)42, Start) with { Source = (EventSource)9, SchemaVersion = 0 };
        var untimed = Milestone("e1", MilestoneType.PickedUp, default) with { ReceivedAt = default };
        var future = Milestone("e1", MilestoneType.PickedUp, Start.AddHours(3)) with { ReceivedAt = Start };

        Assert.Equal(["milestone", "schemaVersion", "source"], ShipmentValidation.Validate(unknown).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["occurredAt", "receivedAt"], ShipmentValidation.Validate(untimed).Keys.Order(StringComparer.Ordinal));
        Assert.Equal(["Lies in the future of receivedAt."], ShipmentValidation.Validate(future)["occurredAt"].AsEnumerable());
    }

    [Fact]
    public void A_charge_without_id_or_amount_is_invalid()
    {
        var charge = new Charge("", ChargeType.Linehaul, null!, ChargeSource.Manual, null);

        var errors = ChargeValidation.Validate(charge);

        Assert.Equal(["amount", "chargeId"], errors.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Booking_rejects_an_invalid_billing_currency()
    {
        var decision = ShipmentDecisions.Book(ShipmentState.Empty, Booking(), "dollars", Start);

        Assert.Equal(RejectionCode.ValidationFailed, decision.Rejection);
        Assert.Contains("billingCurrency", decision.ToResult().Errors.Keys);
    }
}
