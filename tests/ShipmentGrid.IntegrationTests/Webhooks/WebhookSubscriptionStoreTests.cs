using System.Runtime.CompilerServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Hosting.Postgres;
using ShipmentGrid.Hosting.Webhooks;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.Webhooks;

/// <summary>What every subscription store does, run against memory and a real PostgreSQL.</summary>
public abstract class WebhookSubscriptionStoreContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    protected IWebhookSubscriptions Store { get; private set; } = null!;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DisposeStoreAsync();

    [Fact]
    public async Task A_subscription_reads_back_as_made_with_its_protected_secret()
    {
        var made = Subscription("wh_0000000000000001", T0, "C-1");
        await Store.CreateAsync(new StoredWebhookSubscription(made, "protected-1", null), default);

        var stored = await Store.FindAsync(made.SubscriptionId, default);

        Assert.NotNull(stored);
        Assert.Equal(made with { EventTypes = [] }, stored.Subscription with { EventTypes = [] });
        Assert.Equal(made.EventTypes.ToArray(), stored.Subscription.EventTypes.ToArray());
        Assert.Equal(("protected-1", (string?)null), (stored.ProtectedSecret, stored.ProtectedPreviousSecret));
        Assert.Null(await Store.FindAsync("wh_ffffffffffffffff", default));
    }

    [Fact]
    public async Task Disabling_keeps_the_streak_and_a_reason_and_enabling_clears_both()
    {
        var made = Subscription("wh_0000000000000002", T0, null) with { ConsecutiveFailures = 0 };
        await Store.CreateAsync(new StoredWebhookSubscription(made, "p", null), default);

        var disabled = await Store.SetEnabledAsync(made.SubscriptionId, false, "maintenance", default);
        var enabled = await Store.SetEnabledAsync(made.SubscriptionId, true, null, default);

        Assert.Equal((false, "maintenance"), (disabled?.Enabled, disabled?.DisabledReason));
        Assert.Equal((true, (string?)null, 0), (enabled?.Enabled, enabled?.DisabledReason, enabled?.ConsecutiveFailures));
        Assert.Null(await Store.SetEnabledAsync("wh_ffffffffffffffff", true, null, default));
    }

    [Fact]
    public async Task Rotating_makes_the_current_secret_the_previous_one_until_the_overlap_ends()
    {
        var made = Subscription("wh_0000000000000003", T0, null);
        await Store.CreateAsync(new StoredWebhookSubscription(made, "first", null), default);

        var rotated = await Store.RotateSecretAsync(made.SubscriptionId, "second", T0.AddHours(1), T0.AddHours(25), default);
        var stored = await Store.FindAsync(made.SubscriptionId, default);

        Assert.Equal((T0.AddHours(1), T0.AddHours(25)), (rotated?.SecretRotatedAt, rotated?.PreviousSecretExpiresAt));
        Assert.Equal(("second", "first"), (stored?.ProtectedSecret, stored?.ProtectedPreviousSecret));
        Assert.Null(await Store.RotateSecretAsync("wh_ffffffffffffffff", "x", T0, T0, default));
    }

    [Fact]
    public async Task Subscriptions_list_newest_first_in_pages_without_gaps_or_repeats_and_a_deleted_one_is_gone()
    {
        var made = Enumerable.Range(0, 7).Select(i => Subscription($"wh_00000000000001{i:x2}", T0.AddMinutes(i % 3), null)).ToList();
        foreach (var subscription in made)
        {
            await Store.CreateAsync(new StoredWebhookSubscription(subscription, "p", null), default);
        }

        Assert.True(await Store.DeleteAsync(made[0].SubscriptionId, default));
        Assert.False(await Store.DeleteAsync(made[0].SubscriptionId, default));

        var listed = new List<string>();
        string? after = null;
        do
        {
            var page = await Store.ListAsync(new PageRequest(3, after), default);
            Assert.True(page.Items.Length <= 3);
            listed.AddRange(page.Items.Select(subscription => subscription.SubscriptionId));
            after = page.Next;
        }
        while (after is not null);

        Assert.Equal(
            made.Skip(1).OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.SubscriptionId, StringComparer.Ordinal).Select(s => s.SubscriptionId),
            listed);
    }

    protected abstract Task<IWebhookSubscriptions> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    private static WebhookSubscription Subscription(string id, DateTimeOffset at, string? customerId) =>
        new(id, "https://crm.example.com/hooks", [CrmNotificationKind.DeliveryConfirmed, CrmNotificationKind.ExceptionOpened], customerId, "CRM",
            true, 0, null, at, null, null);
}

public sealed class InMemoryWebhookSubscriptionTests : WebhookSubscriptionStoreContract
{
    protected override Task<IWebhookSubscriptions> CreateStoreAsync() => Task.FromResult<IWebhookSubscriptions>(new InMemoryWebhookSubscriptions());
}

[Collection(SharedPostgres.Name)]
public sealed class PostgresWebhookSubscriptionTests(PostgresServer server) : WebhookSubscriptionStoreContract
{
    private static readonly ConditionalWeakTable<PostgresServer, Task<PostgresSettings>> Databases = [];

    private NpgsqlDataSource dataSource = null!;

    [Fact]
    public async Task A_secret_protected_by_one_process_is_read_by_another_through_the_shared_key_ring()
    {
        var settings = await Databases.GetValue(server, MigratedDatabaseAsync);
        await using var otherSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        using var first = Process(dataSource);
        using var second = Process(otherSource);

        var secret = WebhookSecrets.Mint();
        var protectedSecret = first.GetRequiredService<WebhookSecrets>().Protect(secret);

        Assert.DoesNotContain(secret["whsec_".Length..], protectedSecret, StringComparison.Ordinal);
        Assert.Equal(secret, second.GetRequiredService<WebhookSecrets>().Unprotect(protectedSecret));
    }

    protected override async Task<IWebhookSubscriptions> CreateStoreAsync()
    {
        var settings = await Databases.GetValue(server, MigratedDatabaseAsync);
        await Sql.ExecuteAsync(settings.ProviderConnectionString, "DELETE FROM webhook_subscription");
        dataSource = NpgsqlDataSource.Create(settings.ProviderConnectionString);
        return new PostgresWebhookSubscriptions(dataSource);
    }

    protected override async Task DisposeStoreAsync() => await dataSource.DisposeAsync();

    /// <summary>The services one process registers: Data Protection on the PostgreSQL key ring.</summary>
    private static ServiceProvider Process(NpgsqlDataSource source)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<Microsoft.AspNetCore.DataProtection.Repositories.IXmlRepository>(new PostgresKeyRing(source));
        services.AddGridWebhooks(new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build());
        return services.BuildServiceProvider();
    }

    private static async Task<PostgresSettings> MigratedDatabaseAsync(PostgresServer server)
    {
        var settings = new PostgresSettings(await server.CreateDatabaseAsync("webhooks"), "grid_webhooks");
        await new SchemaMigrator(settings, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        return settings;
    }
}
