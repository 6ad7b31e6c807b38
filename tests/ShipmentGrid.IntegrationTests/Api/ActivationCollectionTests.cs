using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>Idle grains leave memory soon, and memory pressure sheds them, unless configuration says otherwise.</summary>
public sealed class ActivationCollectionTests
{
    [Fact]
    public async Task The_grid_collects_idle_grains_after_five_minutes_and_sheds_them_on_memory_pressure()
    {
        await using var factory = new EmbeddedApiFactory();
        using var client = factory.CreateClient();

        var options = factory.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;

        Assert.Equal(TimeSpan.FromMinutes(5), options.CollectionAge);
        Assert.True(options.EnableActivationSheddingOnMemoryPressure);
        Assert.Equal((80, 60), (options.MemoryUsageLimitPercentage, options.MemoryUsageTargetPercentage));
    }

    [Fact]
    public async Task Configuration_overrides_the_collection_age()
    {
        await using var factory = new EmbeddedApiFactory().WithWebHostBuilder(builder => builder.UseSetting("Orleans:GrainCollection:CollectionAge", "00:20:00"));
        using var client = factory.CreateClient();

        Assert.Equal(TimeSpan.FromMinutes(20), factory.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.CollectionAge);
    }
}
