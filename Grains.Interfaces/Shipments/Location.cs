namespace ShipmentGrid.Shipments;

/// <summary>A place as carriers report it (X12 MS1: city, state, country); country is ISO 3166 alpha-2.</summary>
[GenerateSerializer, Immutable, Alias("sg.location.v1")]
public sealed record Location(
    [Id(0)] string City,
    [Id(1)] string? State,
    [Id(2)] string Country,
    [Id(3)] string? PostalCode);
