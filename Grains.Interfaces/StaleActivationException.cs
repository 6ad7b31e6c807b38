namespace ShipmentGrid;

/// <summary>
/// Another activation of the same grain wrote first (two activations overlap briefly while the cluster fails over), so
/// this one's state was stale and nothing was written; it gives itself up. Sending the command again reaches the
/// current activation: the API answers 503 with Retry-After.
/// </summary>
[GenerateSerializer, Alias("sg.stale-activation")]
public sealed class StaleActivationException : Exception
{
    public StaleActivationException()
    {
    }

    public StaleActivationException(string message)
        : base(message)
    {
    }

    public StaleActivationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
