using ShipmentGrid.Hosting.Audit;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.IntegrationTests.Audit;

/// <summary>The audit-log contract on the embedded grid's in-memory store, and its bound.</summary>
public sealed class InMemoryAuditLogTests : AuditLogContract
{
    [Fact]
    public async Task Past_its_capacity_the_store_keeps_the_newest_entries()
    {
        var log = new InMemoryAuditLog(capacity: 3);

        await log.AppendAsync([.. Enumerable.Range(0, 5).Select(i => Entry($"E{i}", T0.AddSeconds(i)))], default);

        Assert.Equal(["E4", "E3", "E2"], (await log.ListAsync(new AuditQuery(), PageRequest.First(), default)).Items.Select(entry => entry.Id));
    }

    protected override Task<IAuditLog> CreateLogAsync() => Task.FromResult<IAuditLog>(new InMemoryAuditLog());
}
