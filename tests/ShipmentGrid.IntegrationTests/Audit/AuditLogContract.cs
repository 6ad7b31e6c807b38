using ShipmentGrid.Hosting.Audit;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.Audit;

/// <summary>What every audit-log store does (order, paging, filters, idempotent append, retention), run against the in-memory and the PostgreSQL store.</summary>
public abstract class AuditLogContract : IAsyncLifetime
{
    protected static readonly DateTimeOffset T0 = new(2026, 6, 1, 8, 0, 0, TimeSpan.Zero);

    private const string CreditHold = "/api/v1/customers/{customerId}/credit-hold";
    private const string Customers = "/api/v1/customers";

    protected IAuditLog Log { get; private set; } = null!;

    public async Task InitializeAsync() => Log = await CreateLogAsync();

    public Task DisposeAsync() => DisposeLogAsync();

    protected abstract Task<IAuditLog> CreateLogAsync();

    protected virtual Task DisposeLogAsync() => Task.CompletedTask;

    [Fact]
    public async Task Entries_list_newest_first_and_following_next_neither_skips_nor_repeats_one()
    {
        // Two pairs share a time: the id orders them.
        var entries = new[]
        {
            Entry("a1", T0), Entry("b1", T0.AddSeconds(1)), Entry("b2", T0.AddSeconds(1)), Entry("c1", T0.AddSeconds(2)),
            Entry("d1", T0.AddSeconds(3)), Entry("d2", T0.AddSeconds(3)), Entry("e1", T0.AddSeconds(4)),
        };
        await Log.AppendAsync([.. entries.Reverse().Take(3)], default);
        await Log.AppendAsync([.. entries.Take(4)], default);

        var seen = new List<string>();
        string? next = null;
        do
        {
            var page = await Log.ListAsync(new AuditQuery(), new PageRequest(2, next), default);
            Assert.InRange(page.Items.Length, 1, 2);
            seen.AddRange(page.Items.Select(entry => entry.Id));
            next = page.Next;
        }
        while (next is not null);

        Assert.Equal(["e1", "d2", "d1", "c1", "b2", "b1", "a1"], seen);
    }

    [Fact]
    public async Task An_entry_reads_back_as_written_nulls_and_roles_included()
    {
        var signedIn = Entry("k1", T0.AddTicks(1230), key: "3f9a", partner: "Acme", roles: ["operations", "carrier:FAST"], subject: "customerId=C1");
        var refused = new AuditEntry("k2", T0, null, null, [], "DELETE", null, null, 401, null);
        await Log.AppendAsync([signedIn, refused], default);

        var page = await Log.ListAsync(new AuditQuery(), PageRequest.First(), default);

        Assert.Equal([signedIn, refused], page.Items, AuditEntryComparer.Instance);
        Assert.Null(page.Next);
    }

    [Fact]
    public async Task An_entry_appended_again_is_stored_once()
    {
        var entry = Entry("once", T0);
        await Log.AppendAsync([entry], default);
        await Log.AppendAsync([entry, Entry("other", T0)], default);

        var page = await Log.ListAsync(new AuditQuery(), PageRequest.First(), default);

        Assert.Equal(["other", "once"], page.Items.Select(item => item.Id));
    }

    [Fact]
    public async Task Each_filter_selects_exactly_its_entries_alone_and_combined()
    {
        await Log.AppendAsync(
            [
                Entry("01", T0, key: "K1", partner: "Acme", route: Customers, status: 201),
                Entry("02", T0.AddMinutes(1), key: "K1", partner: "Acme", route: CreditHold, status: 400),
                Entry("03", T0.AddMinutes(2), key: "K2", partner: "Acme", route: CreditHold, status: 404),
                Entry("04", T0.AddMinutes(3), key: "K3", partner: "Beta", route: Customers, status: 503),
                Entry("05", T0.AddMinutes(4), key: null, partner: null, route: CreditHold, status: 401),
                Entry("06", T0.AddMinutes(5), key: "K3", partner: "Beta", route: CreditHold, status: 200),
            ],
            default);

        Assert.Equal(["02", "01"], await IdsAsync(new AuditQuery(KeyId: "K1")));
        Assert.Equal(["03", "02", "01"], await IdsAsync(new AuditQuery(Partner: "Acme")));
        Assert.Equal(["06", "05", "03", "02"], await IdsAsync(new AuditQuery(Route: CreditHold)));
        Assert.Equal(["05", "03", "02"], await IdsAsync(new AuditQuery(Outcome: AuditOutcome.Parse("4xx"))));
        Assert.Equal(["03"], await IdsAsync(new AuditQuery(Outcome: AuditOutcome.Parse("404"))));
        Assert.Equal(["04", "03", "02"], await IdsAsync(new AuditQuery(From: T0.AddMinutes(1), To: T0.AddMinutes(4))));
        Assert.Equal(["03"], await IdsAsync(new AuditQuery(Partner: "Acme", Route: CreditHold, Outcome: AuditOutcome.Parse("4xx"), From: T0.AddMinutes(2))));
        Assert.Equal(["06"], await IdsAsync(new AuditQuery(KeyId: "K3", Outcome: AuditOutcome.Parse("2xx"))));
        Assert.Empty(await IdsAsync(new AuditQuery(KeyId: "K1", Partner: "Beta")));
    }

    [Fact]
    public async Task A_filtered_list_pages_in_order_and_honours_its_time_range_on_every_page()
    {
        await Log.AppendAsync(
            [.. Enumerable.Range(0, 9).Select(i => Entry($"{i:D2}", T0.AddMinutes(i), key: i % 2 == 0 ? "EVEN" : "ODD"))],
            default);
        var query = new AuditQuery(KeyId: "EVEN", To: T0.AddMinutes(8));

        var first = await Log.ListAsync(query, new PageRequest(2, null), default);
        var second = await Log.ListAsync(query, new PageRequest(2, first.Next), default);

        Assert.Equal(["06", "04"], first.Items.Select(entry => entry.Id));
        Assert.Equal(["02", "00"], second.Items.Select(entry => entry.Id));
        Assert.Null(second.Next);
    }

    [Fact]
    public async Task Retention_removes_only_entries_older_than_the_cutoff()
    {
        await Log.AppendAsync([Entry("old", T0.AddDays(-401)), Entry("edge", T0.AddDays(-400)), Entry("new", T0)], default);

        Assert.Equal(1, await Log.PurgeAsync(T0.AddDays(-400), default));

        Assert.Equal(["new", "edge"], await IdsAsync(new AuditQuery()));
    }

    protected static AuditEntry Entry(
        string id,
        DateTimeOffset at,
        string? key = "K1",
        string? partner = "Acme",
        string[]? roles = null,
        string? route = Customers,
        string? subject = null,
        int status = 201) =>
        new(id, at, key, partner, [.. roles ?? ["admin"]], "POST", route, subject, status, "4bf92f3577b34da6a3ce929d0e0e4736");

    private async Task<string[]> IdsAsync(AuditQuery query) =>
        [.. (await Log.ListAsync(query, PageRequest.First(), default)).Items.Select(entry => entry.Id)];

    /// <summary>Records compare their roles (an immutable array) by reference; entries are equal here when their values are.</summary>
    private sealed class AuditEntryComparer : IEqualityComparer<AuditEntry>
    {
        public static AuditEntryComparer Instance { get; } = new();

        public bool Equals(AuditEntry? x, AuditEntry? y) =>
            x is not null && y is not null && x with { Roles = [] } == y with { Roles = [] } && x.Roles.SequenceEqual(y.Roles);

        public int GetHashCode(AuditEntry obj) => obj.Id.GetHashCode(StringComparison.Ordinal);
    }
}
