namespace ShipmentGrid;

/// <summary>Names of the Orleans providers that grains and hosting agree on.</summary>
public static class GridProviders
{
    /// <summary>Grain state storage: memory in embedded mode, PostgreSQL otherwise.</summary>
    public const string Storage = "grid";

    /// <summary>Stream provider carrying carrier and domain events.</summary>
    public const string Streams = "events";

    /// <summary>Stream namespace of carrier events, keyed by shipment id: the shipment grain subscribes implicitly.</summary>
    public const string CarrierEvents = "carrier-events";

    /// <summary>Stream namespace of what happened to a shipment, keyed by shipment id, for billing and service follow-up.</summary>
    public const string ShipmentEvents = "shipment-events";
}
