using ShipmentGrid.Shipments;

namespace ShipmentGrid.Partners;

/// <summary>A carrier partner, keyed by carrier id: its profile and code mappings, as it registered them last.</summary>
[Alias("sg.ICarrierGrain")]
public interface ICarrierGrain : IGrainWithStringKey
{
    /// <summary>
    /// Registers the carrier or replaces its profile. The same profile again is a duplicate; a changed one is
    /// applied as the next version, because partners change their code mappings over time.
    /// </summary>
    [Alias("Register")]
    Task<CommandResult> Register(CarrierProfile profile);

    /// <summary>The carrier as registered last, or null when never registered.</summary>
    [Alias("GetProfile")]
    Task<RegisteredCarrier?> GetProfile();
}

/// <summary>
/// A carrier's current profile. <see cref="Version"/> starts at 1 and counts the changed profiles since, so a
/// mapping question can name which version of the partner's codes it was answered with.
/// </summary>
[GenerateSerializer, Immutable, Alias("sg.registered-carrier.v1")]
public sealed record RegisteredCarrier(
    [Id(0)] CarrierProfile Profile,
    [Id(1)] int Version,
    [Id(2)] DateTimeOffset RegisteredAt,
    [Id(3)] DateTimeOffset UpdatedAt);
