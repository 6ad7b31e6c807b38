namespace ShipmentGrid.IntegrationTests.Infrastructure;

/// <summary>One PostgreSQL server shared by every test class in the "postgres" collection.</summary>
[CollectionDefinition(Name)]
public sealed class SharedPostgres : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
