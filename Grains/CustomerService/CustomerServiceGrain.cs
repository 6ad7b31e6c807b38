using System.Collections.Immutable;

namespace ShipmentGrid.CustomerService;

public sealed class CustomerServiceGrain(
    [PersistentState("customer-service", GridProviders.Storage)] IPersistentState<CustomerServiceState> service)
    : Grain, ICustomerServiceGrain
{
    private string CustomerId => this.GetPrimaryKeyString();

    public async Task OpenCase(string caseId, string? shipmentId, ServiceCaseReason reason, ServiceCaseEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (service.State.Cases.TryGetValue(caseId, out var existing))
        {
            if (existing.Timeline.Any(step => step.SourceEventId == entry.SourceEventId))
            {
                return;
            }

            service.State.Cases = service.State.Cases.SetItem(caseId, existing with { Timeline = existing.Timeline.Add(entry) });
        }
        else
        {
            service.State.Cases = service.State.Cases.Add(
                caseId, new ServiceCaseView(caseId, CustomerId, shipmentId, reason, ServiceCaseStatus.Open, entry.At, [entry]));
        }

        await service.WriteStateAsync();
    }

    public async Task ResolveCase(string caseId, ServiceCaseEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (!service.State.Cases.TryGetValue(caseId, out var existing) || existing.Status == ServiceCaseStatus.Resolved)
        {
            return;
        }

        service.State.Cases = service.State.Cases.SetItem(
            caseId, existing with { Status = ServiceCaseStatus.Resolved, Timeline = existing.Timeline.Add(entry) });
        await service.WriteStateAsync();
    }

    public Task<ImmutableArray<ServiceCaseView>> Cases() =>
        Task.FromResult(service.State.Cases.Values.OrderBy(view => view.OpenedAt).ToImmutableArray());

    public async Task Notify(CrmNotification notification)
    {
        ArgumentNullException.ThrowIfNull(notification);
        if (service.State.Notifications.ContainsKey(notification.NotificationId))
        {
            return;
        }

        service.State.Notifications = service.State.Notifications.Add(notification.NotificationId, notification);
        await service.WriteStateAsync();
    }

    public Task<ImmutableArray<CrmNotification>> Notifications() =>
        Task.FromResult(service.State.Notifications.Values.OrderBy(item => item.OccurredAt).ToImmutableArray());

    public async Task TrackShipment(string shipmentId)
    {
        if (service.State.Shipments.Contains(shipmentId))
        {
            return;
        }

        service.State.Shipments = service.State.Shipments.Add(shipmentId);
        await service.WriteStateAsync();
    }

    public Task<ImmutableArray<string>> Shipments() => Task.FromResult(service.State.Shipments.ToImmutableArray());
}

[GenerateSerializer, Alias("sg.customer-service-state.v1")]
public sealed class CustomerServiceState
{
    [Id(0)]
    public ImmutableSortedDictionary<string, ServiceCaseView> Cases { get; set; } =
        ImmutableSortedDictionary.Create<string, ServiceCaseView>(StringComparer.Ordinal);

    [Id(1)]
    public ImmutableSortedDictionary<string, CrmNotification> Notifications { get; set; } =
        ImmutableSortedDictionary.Create<string, CrmNotification>(StringComparer.Ordinal);

    /// <summary>The customer's booked shipments, so customer service can find them without a query across grains.</summary>
    [Id(2)]
    public ImmutableSortedSet<string> Shipments { get; set; } = ImmutableSortedSet.Create<string>(StringComparer.Ordinal);
}
