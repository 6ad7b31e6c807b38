using System.Globalization;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>The carrier-event routes a carrier may use; each carrier sends over one of them.</summary>
internal enum EventRoute
{
    Json,
    Stream,
    Edi,
}

/// <summary>What one run does; parsed from the command line (<see cref="Parse"/>), or built directly by a test.</summary>
internal sealed record LoadOptions
{
    public const string Usage = """
        usage: SHIPMENTGRID_API_KEY=<admin key> LoadGen [options]
          --api URL              the grid's API (default http://localhost:5080)
          --shipments N          shipments booked and carried through their lifecycle (default 2000)
          --customers N          customers they are booked for (default 50)
          --carriers N           carriers; the first sends a third of all events (default 10)
          --routes LIST          event routes, comma-separated: json, stream, edi; carriers take them in turn,
                                 the first carrier the first route (default json,stream,edi)
          --concurrency N        requests in flight (default 32)
          --batch N              carrier events per request, 214 sets per EDI interchange (default 100)
          --booking-batch N      bookings per request: 1 books each on its own (POST /shipments), more send
                                 them together (POST /shipments/batch, at most 500) (default 1)
          --rate N               writes per second (each event, booking, charge, credit hold counts one);
                                 flat out when absent
          --anomalies on|off     late and resent events, delivery exceptions, missing and late fuel surcharges,
                                 credit holds (default on); off sends every lifecycle in order, once
          --cohorts N            shipments start in N staggered cohorts, one a round, so a round mixes bookings,
                                 charges and milestones (default 8); 1 gives each step a round of its own
                                 (every booking, then every pickup, ...): each kind of write measured alone
          --until MILESTONE      the last milestone sent: PickedUp, InTransit, Delivered or ProofOfDelivery (default)
          --settle SECONDS       how long the grid may take to settle after the last write before a difference
                                 counts (default 600)
          --out DIR              where report.json and chart.png go (default loadgen-out)
          --postgres CONNSTRING  also checks the ERP ledger (erp_invoice, erp_receivable_entry) in this database
        Exit code 0 when every write was acknowledged and the verification found no difference, 1 otherwise, 2 for bad usage.
        """;

    public Uri Api { get; init; } = new("http://localhost:5080");

    public int Shipments { get; init; } = 2_000;

    public int Customers { get; init; } = 50;

    public int Carriers { get; init; } = 10;

    public IReadOnlyList<EventRoute> Routes { get; init; } = [EventRoute.Json, EventRoute.Stream, EventRoute.Edi];

    public int Concurrency { get; init; } = 32;

    public int Batch { get; init; } = 100;

    public int BookingBatch { get; init; } = 1;

    /// <summary>Writes per second, or null for flat out.</summary>
    public double? Rate { get; init; }

    public bool Anomalies { get; init; } = true;

    public Milestone Until { get; init; } = Milestone.ProofOfDelivery;

    public int Cohorts { get; init; } = 8;

    public TimeSpan Settle { get; init; } = TimeSpan.FromMinutes(10);

    public string OutputDirectory { get; init; } = "loadgen-out";

    public string? Postgres { get; init; }

    /// <summary>The options of <paramref name="args"/>, or the reason they are not usable.</summary>
    public static (LoadOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var options = new LoadOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                return (null, $"{name} needs a value");
            }

            var value = args[++i];
            try
            {
                options = name switch
                {
                    "--api" => options with { Api = new Uri(value, UriKind.Absolute) },
                    "--shipments" => options with { Shipments = Positive(value) },
                    "--customers" => options with { Customers = Positive(value) },
                    "--carriers" => options with { Carriers = Positive(value) },
                    "--routes" => options with { Routes = ParseRoutes(value) },
                    "--concurrency" => options with { Concurrency = Positive(value) },
                    "--batch" => options with { Batch = Math.Min(Positive(value), 1000) },
                    "--booking-batch" => options with { BookingBatch = Math.Min(Positive(value), 500) },
                    "--rate" => options with { Rate = Positive(value) },
                    "--anomalies" => options with { Anomalies = value switch { "on" => true, "off" => false, _ => throw new FormatException("on or off") } },
                    "--cohorts" => options with { Cohorts = Positive(value) },
                    "--until" => options with { Until = Enum.Parse<Milestone>(value, ignoreCase: true) },
                    "--settle" => options with { Settle = TimeSpan.FromSeconds(Positive(value)) },
                    "--out" => options with { OutputDirectory = value },
                    "--postgres" => options with { Postgres = value },
                    _ => throw new FormatException("unknown option"),
                };
            }
            catch (Exception exception) when (exception is FormatException or OverflowException or ArgumentException)
            {
                return (null, $"{name} {value}: {exception.Message}");
            }
        }

        return (options, null);
    }

    private static int Positive(string value) =>
        int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture) is > 0 and var number ? number : throw new FormatException("a positive number");

    private static EventRoute[] ParseRoutes(string value)
    {
        var routes = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(route => Enum.Parse<EventRoute>(route, ignoreCase: true))
            .Distinct()
            .ToArray();
        return routes.Length > 0 ? routes : throw new FormatException("name at least one of json, stream, edi");
    }
}
