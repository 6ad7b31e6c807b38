using System.Globalization;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>The milestones a lifecycle sends, in the grid's order and spelling.</summary>
internal enum Milestone
{
    PickedUp = 1,
    InTransit = 2,
    Delivered = 3,
    ProofOfDelivery = 4,
}

internal enum ChargeKind
{
    Linehaul,
    FuelSurcharge,
}

/// <summary>A carrier of the run: its SCAC and interchange sender id (for EDI), and the one route it sends events over.</summary>
internal sealed record CarrierPlan(int Index, string Id, string Scac, string SenderId, EventRoute Route);

/// <summary>A customer of the run; some are put on credit hold while their shipments are delivered, most released later.</summary>
internal sealed record CustomerPlan(int Index, string Id, bool HeldDuringRun, bool HeldAtEnd);

/// <summary>
/// One carrier event of a lifecycle. <see cref="EventId"/> is the carrier's id for JSON and the stream; an EDI status has
/// its id derived by the grid from its content, known only from the grid's answer. <see cref="Exception"/> names a
/// delivery exception (Delayed, Damaged) instead of a milestone.
/// </summary>
internal sealed record PlannedEvent(ShipmentPlan Shipment, string Step, Milestone? Milestone, string? Exception, DateTimeOffset OccurredAt)
{
    public string EventId => $"{Shipment.Id}-{Step}";

    public CarrierPlan Carrier => Shipment.Carrier;
}

/// <summary>A charge: the linehaul rated by finance, the fuel surcharge billed by the carrier (by JSON, or by an X12 210 on EDI).</summary>
internal sealed record PlannedCharge(ShipmentPlan Shipment, ChargeKind Kind)
{
    public string ChargeId => $"{Shipment.Id}-{(Kind == ChargeKind.Linehaul ? "LH" : "FS")}";

    public decimal Amount => Kind == ChargeKind.Linehaul ? Shipment.Linehaul : Shipment.Fuel;
}

/// <summary>
/// One shipment and what its lifecycle holds, all derived from its index so a run is reproducible. Round numbers are
/// relative to <see cref="FirstRound"/>: booked, then picked up with its linehaul, in transit, a delivery exception for
/// some, delivered, proof of delivery, and last what comes late. Its events happened in the days before the run (events
/// may not lie in the future), from <see cref="PickupAt"/> to proof of delivery 44 hours later.
/// </summary>
internal sealed record ShipmentPlan(int Index, string Id, CustomerPlan Customer, CarrierPlan Carrier, int FirstRound, DateTimeOffset PickupAt, bool Anomalies)
{
    public bool DeliveryException => Anomalies && Index % 12 == 5;

    /// <summary>Never gets its fuel surcharge: must end awaiting charges, without an invoice.</summary>
    public bool MissingFuel => Anomalies && Index % 20 == 11;

    public bool FuelEarly => Anomalies && !MissingFuel && Index % 4 == 1;

    /// <summary>The fuel surcharge arrives after proof of delivery: the invoice follows it.</summary>
    public bool FuelAfterProof => Anomalies && !MissingFuel && !FuelEarly && Index % 5 == 2;

    /// <summary>In transit is reported after proof of delivery: it joins the timeline without moving the status back.</summary>
    public bool LateInTransit => Anomalies && Index % 8 == 3;

    /// <summary>Its charges are sent twice, the second time a round later.</summary>
    public bool ChargesResent => Anomalies && Index % 10 == 4;

    public decimal Linehaul => 1000m + (Index % 500) + 0.25m;

    public decimal Fuel => 100m + (Index % 50) + 0.10m;

    public string ProNumber => "PRO-" + Id;
}

/// <summary>What one round sends: credit-hold changes, bookings, charges and carrier events, all concurrently.</summary>
internal sealed record RoundPlan(
    int Number,
    IReadOnlyList<(CustomerPlan Customer, bool Hold)> Credit,
    IReadOnlyList<ShipmentPlan> Bookings,
    IReadOnlyList<PlannedCharge> Charges,
    IReadOnlyList<PlannedEvent> Events);

/// <summary>
/// The run's lifecycles laid out in rounds. Shipments start in staggered cohorts (a cohort a round), so most rounds mix
/// bookings, charges, early and late milestones of different shipments as a grid sees them; a round is sent only once
/// the one before it is acknowledged, which keeps each shipment's steps in their planned order. With one cohort each
/// round is one step of every lifecycle (all bookings, then all pickups, ...), which measures each kind of write alone.
/// </summary>
internal sealed class Workload
{
    /// <summary>Rounds a lifecycle spans: booking (0) to what comes late (6).</summary>
    private const int LifecycleRounds = 7;

    private Workload(string run, LoadOptions options, IReadOnlyList<CustomerPlan> customers, IReadOnlyList<CarrierPlan> carriers, IReadOnlyList<ShipmentPlan> shipments)
    {
        Run = run;
        Options = options;
        Customers = customers;
        Carriers = carriers;
        Shipments = shipments;
        RoundCount = Math.Min(options.Cohorts, shipments.Count) + LifecycleRounds;
    }

    public string Run { get; }

    public LoadOptions Options { get; }

    public IReadOnlyList<CustomerPlan> Customers { get; }

    public IReadOnlyList<CarrierPlan> Carriers { get; }

    public IReadOnlyList<ShipmentPlan> Shipments { get; }

    public int RoundCount { get; }

    public static Workload Create(LoadOptions options, string run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(options);
        var customers = Enumerable.Range(0, options.Customers)
            .Select(index => new CustomerPlan(
                index,
                $"{run}-C{index:D4}",
                HeldDuringRun: options.Anomalies && index % 5 == 2,
                HeldAtEnd: options.Anomalies && index % 10 == 7))
            .ToArray();
        var carriers = Enumerable.Range(0, options.Carriers)
            .Select(index => new CarrierPlan(index, $"{run}-K{index:D3}", Scac(index), $"LGEN{index:D6}", options.Routes[index % options.Routes.Count]))
            .ToArray();
        var cohorts = Math.Min(options.Cohorts, options.Shipments);

        // Whole minutes in UTC: an X12 status says no more, and the JSON routes send the same instants.
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero).AddDays(-7);
        var shipments = Enumerable.Range(0, options.Shipments)
            .Select(index => new ShipmentPlan(
                index,
                $"{run}-S{index:D7}",
                customers[index % customers.Length],
                carriers[CarrierOf(index, carriers.Length)],
                index % cohorts,
                start.AddMinutes(index % 2880),
                options.Anomalies))
            .ToArray();
        return new Workload(run, options, customers, carriers, shipments);
    }

    /// <summary>Round <paramref name="number"/> (0 to <see cref="RoundCount"/> - 1) for the shipments booked so far.</summary>
    public RoundPlan Round(int number, Func<ShipmentPlan, bool> booked)
    {
        ArgumentNullException.ThrowIfNull(booked);
        var credit = new List<(CustomerPlan, bool)>();
        if (number == 2)
        {
            credit.AddRange(Customers.Where(customer => customer.HeldDuringRun || customer.HeldAtEnd).Select(customer => (customer, true)));
        }
        else if (number == RoundCount - 2)
        {
            credit.AddRange(Customers.Where(customer => customer.HeldDuringRun && !customer.HeldAtEnd).Select(customer => (customer, false)));
        }

        var bookings = new List<ShipmentPlan>();
        var charges = new List<PlannedCharge>();
        var events = new List<PlannedEvent>();
        foreach (var shipment in Shipments)
        {
            var step = number - shipment.FirstRound;
            if (step == 0)
            {
                bookings.Add(shipment);
            }
            else if (step is > 0 and < LifecycleRounds && booked(shipment))
            {
                charges.AddRange(ChargesAt(shipment, step));
                charges.AddRange(shipment.ChargesResent ? ChargesAt(shipment, step - 1) : []);
                events.AddRange(EventsAt(shipment, step));
            }
        }

        return new RoundPlan(number, credit, bookings, charges, events);
    }

    private static IEnumerable<PlannedCharge> ChargesAt(ShipmentPlan shipment, int step)
    {
        if (step == 1)
        {
            yield return new PlannedCharge(shipment, ChargeKind.Linehaul);
        }

        var fuelStep = shipment.MissingFuel ? -1 : shipment.FuelEarly ? 1 : shipment.FuelAfterProof ? 6 : 3;
        if (step == fuelStep)
        {
            yield return new PlannedCharge(shipment, ChargeKind.FuelSurcharge);
        }
    }

    private IEnumerable<PlannedEvent> EventsAt(ShipmentPlan shipment, int step)
    {
        var t0 = shipment.PickupAt;
        PlannedEvent? planned = step switch
        {
            1 => Reached(shipment, "PU", Milestone.PickedUp, t0),
            2 when !shipment.LateInTransit => Reached(shipment, "IT", Milestone.InTransit, t0.AddHours(10)),
            3 when shipment.DeliveryException => new PlannedEvent(shipment, "X", null, shipment.Index % 24 == 5 ? "Delayed" : "Damaged", t0.AddHours(20)),
            4 => Reached(shipment, "DL", Milestone.Delivered, t0.AddHours(40)),
            5 => Reached(shipment, "POD", Milestone.ProofOfDelivery, t0.AddHours(44)),
            6 when shipment.LateInTransit => Reached(shipment, "IT", Milestone.InTransit, t0.AddHours(10)),
            _ => null,
        };
        if (planned is not null)
        {
            yield return planned;
        }
    }

    private PlannedEvent? Reached(ShipmentPlan shipment, string step, Milestone milestone, DateTimeOffset occurredAt) =>
        milestone <= Options.Until ? new PlannedEvent(shipment, step, milestone, null, occurredAt) : null;

    /// <summary>The first carrier takes every third shipment (a third of all events); the rest share the others evenly.</summary>
    private static int CarrierOf(int index, int carriers) =>
        carriers == 1 || index % 3 == 0 ? 0 : 1 + (index / 3 * 2 + (index % 3) - 1) % (carriers - 1);

    /// <summary>A SCAC of four upper-case letters, different for each carrier of a run.</summary>
    private static string Scac(int index) =>
        string.Create(CultureInfo.InvariantCulture, $"L{(char)('A' + (index / 676 % 26))}{(char)('A' + (index / 26 % 26))}{(char)('A' + (index % 26))}");
}
