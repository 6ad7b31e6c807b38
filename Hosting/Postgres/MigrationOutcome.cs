namespace ShipmentGrid.Hosting.Postgres;

/// <summary>What one migration run did: the versions it applied (oldest first) and where the schema stands now.</summary>
public sealed record MigrationOutcome(IReadOnlyList<int> AppliedVersions, int CurrentVersion);
