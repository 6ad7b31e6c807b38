using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Tests.Rules;

internal static class SampleCarriers
{
    /// <summary>A carrier with the X12 codes seen in practice: AF/D1 milestones, SD/A9 exceptions, 400/FUE charges.</summary>
    public static CarrierProfile Acme { get; } = new(
        "CARR-ACME",
        "ACME",
        "Acme Freight",
        ImmutableDictionary<string, MilestoneType>.Empty.Add("AF", MilestoneType.PickedUp).Add("D1", MilestoneType.Delivered),
        ImmutableDictionary<string, ExceptionKind>.Empty.Add("SD", ExceptionKind.Delayed).Add("A9", ExceptionKind.Damaged),
        ImmutableDictionary<string, ChargeType>.Empty.Add("400", ChargeType.Linehaul).Add("FUE", ChargeType.FuelSurcharge),
        new CarrierSla(TimeSpan.FromHours(2), 95m));
}
