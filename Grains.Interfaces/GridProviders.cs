namespace ShipmentGrid;

/// <summary>Names of the Orleans providers that grains and hosting agree on.</summary>
public static class GridProviders
{
    /// <summary>Grain state storage: memory in embedded mode, PostgreSQL otherwise.</summary>
    public const string Storage = "grid";
}
