using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ShipmentGrid.Observability;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Journal;

public static class JournalServiceCollectionExtensions
{
    /// <summary>Journal options from the <c>Journal</c> section, validated at start.</summary>
    public static IServiceCollection AddJournalOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<JournalOptions>()
            .Bind(configuration.GetSection(JournalOptions.Section))
            .Validate(options =>
            {
                options.Validate();
                return true;
            })
            .ValidateOnStart();
        return services;
    }

    /// <summary>
    /// The embedded journal: one in-memory instance is both the writer and its readers' feed, and the one in-memory
    /// read-model store is what its readers write (with their checkpoint) and what the API reads.
    /// </summary>
    public static IServiceCollection AddInMemoryJournal(this IServiceCollection services)
    {
        services.AddSingleton<InMemoryReadModels>();
        services.AddSingleton<IReadModels>(provider => provider.GetRequiredService<InMemoryReadModels>());
        services.AddSingleton<InMemoryEventJournal>();
        services.AddSingleton<IEventJournal>(provider => provider.GetRequiredService<InMemoryEventJournal>());
        services.AddSingleton<IJournalFeed>(provider => provider.GetRequiredService<InMemoryEventJournal>());
        return services;
    }

    /// <summary>A silo's part in following the journal: it keeps every partition's reader running somewhere.</summary>
    public static IServiceCollection AddJournalReaders(this IServiceCollection services)
    {
        services.TryAddSingleton<IJournalFollowers, JournalStreams>();
        services.AddGridMetrics();
        services.TryAddSingleton<JournalLagMetrics>();
        services.AddHostedService<JournalReaderKeepAlive>();
        return services;
    }
}
