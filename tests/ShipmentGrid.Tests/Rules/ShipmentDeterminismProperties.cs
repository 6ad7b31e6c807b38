using System.Collections.Immutable;
using FsCheck;
using FsCheck.Fluent;
using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;
using static ShipmentGrid.Tests.Rules.ShipmentScenario;

namespace ShipmentGrid.Tests.Rules;

/// <summary>
/// DOMAIN: events arrive late, twice and out of order, and there is exactly one invoice per shipment.
/// For any valid shipment, every duplication and permutation of its carrier events and charges must fold
/// to the same shipment and the same single invoice decision.
/// </summary>
public sealed class ShipmentDeterminismProperties
{
    /// <summary>A valid shipment's facts in business order, and the same facts as delivered: repeated and shuffled.</summary>
    public sealed record Delivery(bool SpecialHandling, ImmutableArray<object> Facts, ImmutableArray<object> Arrivals)
    {
        public override string ToString() =>
            $"SpecialHandling={SpecialHandling}{Environment.NewLine}facts:    {string.Join(" | ", Facts.Select(Describe))}"
            + $"{Environment.NewLine}arrivals: {string.Join(" | ", Arrivals.Select(Describe))}";

        private static string Describe(object fact) => fact switch
        {
            CarrierEvent e => $"{e.EventId}:{(object?)e.Milestone ?? e.DeliveryException}@{e.OccurredAt:MM-dd HH:mm}{(e.DetentionReported ? "+detention" : "")}",
            Charge c => $"{c.ChargeId}:{c.Type}={c.Amount.Amount}",
            _ => fact.ToString() ?? "",
        };
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public Property Any_duplication_and_order_of_a_valid_shipments_facts_gives_the_same_shipment_and_one_invoice() =>
        Prop.ForAll(Arb.From(Deliveries()), delivery =>
        {
            var inOrder = Run(delivery.SpecialHandling, delivery.Facts);
            var asArrived = Run(delivery.SpecialHandling, delivery.Arrivals);

            var inOrderReady = Assert.Single(inOrder.PublishedOf<BillingReady>());
            var asArrivedReady = Assert.Single(asArrived.PublishedOf<BillingReady>());
            Assert.Equal(ShipmentHistory.ToView(inOrder.State), ShipmentHistory.ToView(asArrived.State), ShipmentViewComparer.Instance);
            Assert.Equal(InvoiceBuilder.Build(inOrderReady, Start).Lines.AsEnumerable(), InvoiceBuilder.Build(asArrivedReady, Start).Lines);
            Assert.Equal(BillingStatus.ReadyToInvoice, ShipmentHistory.ToView(asArrived.State).BillingStatus);
            Assert.Equal(ShipmentStatus.ProofOfDelivery, asArrived.State.Status);
        });

    private static ShipmentScenario Run(bool specialHandling, IEnumerable<object> facts)
    {
        var scenario = new ShipmentScenario().Book(specialHandling);
        foreach (var fact in facts)
        {
            // Every fact of a valid shipment is either new or a duplicate, never refused, whatever its turn.
            var decision = scenario.Feed(fact);
            Assert.NotEqual(CommandOutcome.Rejected, decision.Outcome);
        }

        return scenario;
    }

    internal static Gen<Delivery> Deliveries() =>
        from milestones in Gen.SubListOf(Enum.GetValues<MilestoneType>().Where(type => type != MilestoneType.ProofOfDelivery))
        from gaps in Gen.ListOf(Gen.Choose(0, 12), milestones.Count + 1)
        from detention in Gen.Elements(true, false)
        from specialHandling in Gen.Elements(true, false)
        let events = Milestones(milestones, gaps, detention)
        from exceptionCount in Gen.Choose(0, 3)
        from exceptions in Gen.ListOf(ExceptionBefore(DeliveryTime(events)), exceptionCount)
        from amounts in Gen.ListOf(Gen.Choose(1, 500_000), 4)
        let facts = events
            .Concat(exceptions.Select((exception, index) => (object)(exception with { EventId = $"x{index}" })))
            .Concat(Charges(detention, specialHandling, amounts))
            .ToImmutableArray()
        from copies in Gen.ListOf(Gen.Choose(1, 3), facts.Length)
        from arrivals in Gen.Shuffle(facts.SelectMany((fact, index) => Enumerable.Repeat(fact, copies[index])))
        select new Delivery(specialHandling, facts, [.. arrivals]);

    /// <summary>Milestones at increasing times, ending in proof of delivery (which carries any detention report).</summary>
    private static ImmutableArray<object> Milestones(List<MilestoneType> milestones, List<int> gaps, bool detention)
    {
        var at = Start;
        var events = ImmutableArray.CreateBuilder<object>();
        foreach (var (milestone, index) in milestones.Order().Append(MilestoneType.ProofOfDelivery).Select((milestone, index) => (milestone, index)))
        {
            at = at.AddHours(gaps[index] + 1);
            events.Add(Milestone($"m{index}", milestone, at, detention && milestone == MilestoneType.ProofOfDelivery));
        }

        return events.ToImmutable();
    }

    private static DateTimeOffset DeliveryTime(ImmutableArray<object> events) =>
        events.OfType<CarrierEvent>().Where(e => e.Milestone >= MilestoneType.Delivered).Min(e => e.OccurredAt);

    private static Gen<CarrierEvent> ExceptionBefore(DateTimeOffset deliveredAt) =>
        from kind in Gen.Elements(Enum.GetValues<ExceptionKind>())
        from minutesBefore in Gen.Choose(1, (int)(deliveredAt - Start).TotalMinutes)
        select Exception("x", kind, deliveredAt.AddMinutes(-minutesBefore));

    private static IEnumerable<object> Charges(bool detention, bool specialHandling, List<int> cents)
    {
        yield return Charge("c-linehaul", ChargeType.Linehaul, cents[0] / 100m);
        yield return Charge("c-fuel", ChargeType.FuelSurcharge, cents[1] / 100m);
        if (detention)
        {
            yield return Charge("c-detention", ChargeType.Detention, cents[2] / 100m);
        }

        if (specialHandling)
        {
            yield return Charge("c-handling", ChargeType.SpecialHandling, cents[3] / 100m);
        }
    }
}
