using Microsoft.Extensions.Configuration;
using Npgsql;
using ShipmentGrid.Hosting.Postgres;

namespace ShipmentGrid.IntegrationTests.Postgres;

public sealed class PostgresSettingsTests
{
    private const string Server = "Host=db.internal;Username=grid;Database=grid";

    [Fact]
    public void No_connection_string_means_no_postgres()
    {
        Assert.Null(PostgresSettings.FromConfiguration(Configuration(("ConnectionStrings:Postgres", ""))));
    }

    [Fact]
    public void Schema_defaults_and_reaches_the_providers_through_search_path()
    {
        var settings = PostgresSettings.FromConfiguration(Configuration(("ConnectionStrings:Postgres", Server)));

        Assert.NotNull(settings);
        Assert.Equal("shipmentgrid", settings.Schema);
        Assert.Equal("shipmentgrid", new NpgsqlConnectionStringBuilder(settings.ProviderConnectionString).SearchPath);
    }

    [Fact]
    public void Each_pool_is_bounded_so_a_cluster_fits_the_servers_connections_unless_the_connection_string_says_otherwise()
    {
        var bounded = PostgresSettings.FromConfiguration(Configuration(("ConnectionStrings:Postgres", Server)));
        var chosen = PostgresSettings.FromConfiguration(Configuration(("ConnectionStrings:Postgres", Server + ";Maximum Pool Size=40")));

        Assert.Equal(PostgresSettings.DefaultMaxPoolSize, new NpgsqlConnectionStringBuilder(bounded!.ProviderConnectionString).MaxPoolSize);
        Assert.Equal(40, new NpgsqlConnectionStringBuilder(chosen!.ProviderConnectionString).MaxPoolSize);
    }

    [Fact]
    public void Statements_are_prepared_unless_the_connection_string_says_otherwise()
    {
        var prepared = PostgresSettings.FromConfiguration(Configuration(("ConnectionStrings:Postgres", Server)));
        var unprepared = PostgresSettings.FromConfiguration(Configuration(("ConnectionStrings:Postgres", Server + ";Max Auto Prepare=0")));

        var builder = new NpgsqlConnectionStringBuilder(prepared!.ProviderConnectionString);
        Assert.Equal((PostgresSettings.DefaultMaxAutoPrepare, 2), (builder.MaxAutoPrepare, builder.AutoPrepareMinUsages));
        Assert.Equal(0, new NpgsqlConnectionStringBuilder(unprepared!.ProviderConnectionString).MaxAutoPrepare);
    }

    [Theory]
    [InlineData("Grid")]
    [InlineData("grid-ops")]
    [InlineData("\"grid\"")]
    [InlineData("pg_grid")]
    [InlineData("9grid")]
    public void Schema_must_be_a_plain_lower_case_identifier(string schema)
    {
        var configuration = Configuration(("ConnectionStrings:Postgres", Server), ("Postgres:Schema", schema));

        Assert.Throws<ArgumentException>(() => PostgresSettings.FromConfiguration(configuration));
    }

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(value => KeyValuePair.Create(value.Key, (string?)value.Value)))
            .Build();
}
