namespace ShipmentGrid.Hosting.Health;

/// <summary>The <c>Health</c> configuration section: when a condition that does not stop the process is reported as degraded.</summary>
public sealed class HealthOptions
{
    public const string Section = "Health";

    /// <summary>A journal reader whose oldest unread event is older than this makes its silo degraded.</summary>
    public TimeSpan ReaderLagDegradedAfter { get; set; } = TimeSpan.FromMinutes(1);
}
