namespace ShipmentGrid.Billing;

/// <summary>
/// Opens a BillingProblem service case for every shipment whose billing stayed incomplete for more than a day
/// (DOMAIN.md, billing rules). One per cluster (key 0), woken by a reminder; it reads the billing-incomplete queue
/// and never sits on the path of an event.
/// </summary>
[Alias("sg.IBillingEscalationGrain")]
public interface IBillingEscalationGrain : IGrainWithIntegerKey
{
    /// <summary>Makes sure the reminder stands; every silo calls it at start.</summary>
    [Alias("Start")]
    Task Start();

    /// <summary>Escalates what is due now; the number of items looked at.</summary>
    [Alias("Sweep")]
    Task<int> Sweep();
}
