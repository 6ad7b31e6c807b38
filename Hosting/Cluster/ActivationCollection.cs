using Orleans.Configuration;

namespace ShipmentGrid.Hosting.Cluster;

/// <summary>
/// How idle grains leave memory, sized for a month of 1M shipments. Almost every shipment, invoice and customer
/// activation is touched in bursts (a booking, a carrier's batch upload, a posting) and then not for hours, and a
/// shipment activation holds its history. Orleans' default keeps each for 15 minutes after its last call; a peak of
/// several thousand events per second touching distinct shipments would then keep millions alive. Idle activations go
/// after five minutes instead, and when the process nears its memory limit Orleans sheds the least recently used ones
/// down to a target. Every value can be overridden under <c>Orleans:GrainCollection</c>.
/// </summary>
internal static class ActivationCollection
{
    public const string Section = $"{GridOptions.Section}:GrainCollection";

    public static readonly TimeSpan CollectionAge = TimeSpan.FromMinutes(5);

    public static void Apply(GrainCollectionOptions options)
    {
        options.CollectionAge = CollectionAge;
        options.CollectionQuantum = TimeSpan.FromSeconds(30);
        options.DeactivationTimeout = ClusterFailureDetection.DeactivationTimeout;
        options.EnableActivationSheddingOnMemoryPressure = true;
        options.MemoryUsageLimitPercentage = 80;
        options.MemoryUsageTargetPercentage = 60;
    }
}
