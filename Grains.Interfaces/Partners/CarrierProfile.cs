using System.Collections.Immutable;
using ShipmentGrid.Billing;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

/// <summary>What the carrier promised: delivery within the planned window, give or take the tolerance.</summary>
[GenerateSerializer, Immutable, Alias("sg.carrier-sla.v1")]
public sealed record CarrierSla(
    [Id(0)] TimeSpan DeliveryTolerance,
    [Id(1)] decimal OnTimeTargetPercent);

/// <summary>
/// A carrier partner and its code mappings. Status codes (X12 AT701, e.g. D1, AF) map to a milestone or to
/// a delivery exception; charge codes (X12 L108, e.g. 400, FUE) to a charge type. Mappings differ by
/// partner, so they are data here, not code. Credentials are kept elsewhere, never in this profile.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.carrier-profile.v1")]
public sealed record CarrierProfile(
    [Id(0)] string CarrierId,
    [Id(1)] string Scac,
    [Id(2)] string Name,
    [Id(3)] ImmutableDictionary<string, MilestoneType> MilestoneCodes,
    [Id(4)] ImmutableDictionary<string, ExceptionKind> ExceptionCodes,
    [Id(5)] ImmutableDictionary<string, ChargeType> ChargeCodes,
    [Id(6)] CarrierSla Sla,
    [Id(7)] string? TimeZone = null,
    [Id(8)] ImmutableArray<string>? EdiSenderIds = null);
