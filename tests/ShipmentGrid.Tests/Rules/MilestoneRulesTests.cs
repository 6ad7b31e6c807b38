using ShipmentGrid.Shipments;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

public sealed class MilestoneRulesTests
{
    [Fact]
    public void Milestones_in_order_move_the_status_forward()
    {
        var scenario = new ShipmentScenario().Book();

        scenario.Record(Milestone("e1", MilestoneType.Dispatched, Start.AddHours(1)));
        scenario.Record(Milestone("e2", MilestoneType.PickedUp, Start.AddHours(3)));
        scenario.Record(Milestone("e3", MilestoneType.InTransit, Start.AddHours(5)));

        Assert.Equal(ShipmentStatus.InTransit, scenario.State.Status);
        Assert.Equal(["e1", "e2", "e3"], scenario.State.Timeline.Select(entry => entry.EventId));
    }

    [Fact]
    public void The_same_event_id_twice_is_a_duplicate_and_not_applied()
    {
        var scenario = new ShipmentScenario().Book();
        var pickedUp = Milestone("e2", MilestoneType.PickedUp, Start.AddHours(3));
        scenario.Record(pickedUp);
        var stateAfterFirst = scenario.State;

        var second = scenario.Record(pickedUp with { Notes = "resent by the carrier" });

        Assert.Equal(CommandOutcome.Duplicate, second.Outcome);
        Assert.Empty(second.Events);
        Assert.Same(stateAfterFirst, scenario.State);
    }

    [Fact]
    public void The_same_event_id_from_another_carrier_is_not_a_duplicate_but_a_carrier_mismatch()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Milestone("e2", MilestoneType.PickedUp, Start.AddHours(3)));

        var decision = scenario.Record(Milestone("e2", MilestoneType.PickedUp, Start.AddHours(3)) with { CarrierId = "CARR-OTHER" });

        Assert.Equal(CommandOutcome.Rejected, decision.Outcome);
        Assert.Equal(RejectionCode.CarrierMismatch, decision.Rejection);
    }

    [Fact]
    public void A_late_earlier_milestone_joins_the_timeline_but_never_moves_the_status_back()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Milestone("e3", MilestoneType.InTransit, Start.AddHours(5)));

        var late = scenario.Record(Milestone("e2", MilestoneType.PickedUp, Start.AddHours(3)));

        Assert.Equal(CommandOutcome.Applied, late.Outcome);
        Assert.Equal(ShipmentStatus.InTransit, scenario.State.Status);
        Assert.Equal(["e2", "e3"], scenario.State.Timeline.Select(entry => entry.EventId));
    }

    [Fact]
    public void Timeline_ties_on_occurred_at_are_ordered_by_event_id_not_arrival()
    {
        var scenario = new ShipmentScenario().Book();
        var at = Start.AddHours(4);

        scenario.Record(Milestone("b", MilestoneType.InTransit, at));
        scenario.Record(Milestone("a", MilestoneType.PickedUp, at));

        Assert.Equal(["a", "b"], scenario.State.Timeline.Select(entry => entry.EventId));
    }

    [Fact]
    public void Proof_of_delivery_before_delivered_implies_delivered()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Milestone("e3", MilestoneType.InTransit, Start.AddHours(5)));

        var pod = scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));

        Assert.Equal(ShipmentStatus.ProofOfDelivery, scenario.State.Status);
        var delivered = Assert.Single(pod.Events.OfType<ShipmentDelivered>());
        Assert.True(delivered.ImpliedByProofOfDelivery);
        Assert.Single(pod.Events.OfType<ProofOfDeliveryReceived>());
        Assert.Equal(Start.AddHours(30), scenario.State.DeliveredAt);
    }

    [Fact]
    public void A_late_delivered_after_proof_of_delivery_joins_the_timeline_without_announcing_delivery_again()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));

        var delivered = scenario.Record(Milestone("e5", MilestoneType.Delivered, Start.AddHours(28)));

        Assert.Equal(CommandOutcome.Applied, delivered.Outcome);
        Assert.Empty(delivered.Events.OfType<ShipmentDelivered>());
        Assert.Single(scenario.PublishedOf<ShipmentDelivered>());
        Assert.Equal(ShipmentStatus.ProofOfDelivery, scenario.State.Status);
        Assert.Equal(Start.AddHours(28), scenario.State.DeliveredAt);
    }

    [Fact]
    public void Delivered_is_announced_once_when_first_reached()
    {
        var scenario = new ShipmentScenario().Book();

        var delivered = scenario.Record(Milestone("e5", MilestoneType.Delivered, Start.AddHours(28)));
        var pod = scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));

        Assert.False(Assert.Single(delivered.Events.OfType<ShipmentDelivered>()).ImpliedByProofOfDelivery);
        Assert.Empty(pod.Events.OfType<ShipmentDelivered>());
        Assert.Single(pod.Events.OfType<ProofOfDeliveryReceived>());
    }

    [Fact]
    public void An_exception_before_delivery_opens_and_a_later_milestone_does_not_erase_it()
    {
        var scenario = new ShipmentScenario().Book();

        var opened = scenario.Record(Exception("x1", ExceptionKind.Delayed, Start.AddHours(6)));
        scenario.Record(Milestone("e4", MilestoneType.ArrivedAtDelivery, Start.AddHours(20)));
        scenario.Record(Milestone("e5", MilestoneType.Delivered, Start.AddHours(21)));

        var announcement = Assert.Single(opened.Events.OfType<ShipmentExceptionOpened>());
        Assert.Equal(CustomerId, announcement.CustomerId);
        var open = Assert.Single(ShipmentHistory.ToView(scenario.State).OpenExceptions);
        Assert.Equal(ExceptionKind.Delayed, open.Kind);
        Assert.Equal($"{CarrierId}:x1", open.ExceptionId);
        Assert.Contains(scenario.State.Timeline, entry => entry.EventId == "x1");
    }

    [Fact]
    public void An_exception_after_delivery_is_rejected_with_a_reason()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Milestone("e5", MilestoneType.Delivered, Start.AddHours(21)));

        var decision = scenario.Record(Exception("x1", ExceptionKind.Damaged, Start.AddHours(22)));

        Assert.Equal(CommandOutcome.Rejected, decision.Outcome);
        Assert.Equal(RejectionCode.ExceptionAfterDelivery, decision.Rejection);
        Assert.Contains("Damaged", decision.Reason, StringComparison.Ordinal);
        Assert.Empty(scenario.State.Exceptions);
        Assert.DoesNotContain(scenario.State.Timeline, entry => entry.EventId == "x1");
    }

    [Fact]
    public void A_late_report_of_an_exception_that_happened_before_delivery_is_accepted()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Milestone("e5", MilestoneType.Delivered, Start.AddHours(21)));

        var decision = scenario.Record(Exception("x1", ExceptionKind.AttemptedDelivery, Start.AddHours(19)));

        Assert.Equal(CommandOutcome.Applied, decision.Outcome);
        Assert.Single(scenario.State.Exceptions);
    }

    [Fact]
    public void A_resolved_exception_leaves_the_open_list_and_resolving_again_is_a_duplicate()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Exception("x1", ExceptionKind.Refused, Start.AddHours(6)));
        var exceptionId = $"{CarrierId}:x1";

        var resolved = scenario.Execute(state => ShipmentDecisions.ResolveException(state, exceptionId, "Consignee accepted redelivery.", scenario.Clock.GetUtcNow()));
        var again = scenario.Execute(state => ShipmentDecisions.ResolveException(state, exceptionId, "Again.", scenario.Clock.GetUtcNow()));
        var unknown = scenario.Execute(state => ShipmentDecisions.ResolveException(state, "nope", "x", scenario.Clock.GetUtcNow()));

        Assert.Equal(CommandOutcome.Applied, resolved.Outcome);
        Assert.Empty(ShipmentHistory.ToView(scenario.State).OpenExceptions);
        Assert.Equal("Consignee accepted redelivery.", scenario.State.Exceptions[exceptionId].Resolution);
        Assert.Equal(CommandOutcome.Duplicate, again.Outcome);
        Assert.Equal(RejectionCode.ExceptionNotFound, unknown.Rejection);
    }

    [Fact]
    public void Events_for_a_shipment_that_is_not_booked_are_rejected_for_the_dead_letter_store()
    {
        var decision = ShipmentDecisions.RecordCarrierEvent(ShipmentState.Empty, Milestone("e1", MilestoneType.Dispatched, Start), Start);

        Assert.Equal(RejectionCode.ShipmentNotBooked, decision.Rejection);
        Assert.Equal(CommandOutcome.Rejected, decision.ToResult().Outcome);
    }

    [Fact]
    public void An_invalid_event_is_rejected_with_field_errors()
    {
        var state = Booked();

        var decision = ShipmentDecisions.RecordCarrierEvent(state, Milestone("", MilestoneType.Dispatched, Start), Start);

        Assert.Equal(RejectionCode.ValidationFailed, decision.Rejection);
        Assert.Contains("eventId", decision.Errors.Keys);
    }

    [Fact]
    public void Booking_twice_with_the_same_details_is_a_duplicate_and_with_other_details_a_conflict()
    {
        var state = Booked();

        var same = ShipmentDecisions.Book(state, Booking(), Currency, Start);
        var other = ShipmentDecisions.Book(state, Booking(specialHandling: true), Currency, Start);

        Assert.Equal(CommandOutcome.Duplicate, same.Outcome);
        Assert.Equal(RejectionCode.AlreadyBookedDifferently, other.Rejection);
    }

    [Fact]
    public void Replaying_the_history_rebuilds_the_same_state()
    {
        var scenario = new ShipmentScenario().Book();
        scenario.Record(Milestone("e2", MilestoneType.PickedUp, Start.AddHours(3)));
        scenario.Record(Exception("x1", ExceptionKind.Delayed, Start.AddHours(6)));
        scenario.Record(Milestone("e6", MilestoneType.ProofOfDelivery, Start.AddHours(30)));

        var replayed = ShipmentHistory.Replay(scenario.Published);

        Assert.Equal(ShipmentHistory.ToView(scenario.State), ShipmentHistory.ToView(replayed), ShipmentViewComparer.Instance);
    }
}
