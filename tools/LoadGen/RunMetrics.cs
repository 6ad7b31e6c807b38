using System.Collections.Concurrent;
using System.Diagnostics;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>What the run measures: latencies per operation, what was acknowledged each second, errors by kind, the journal's lag.</summary>
internal sealed class RunMetrics
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, LatencySamples> _latencies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<EventRoute, long> _eventsByRoute = new();
    private readonly List<Second> _seconds = [];
    private readonly Lock _secondsLock = new();
    private long _events;
    private long _writes;
    private long _errorCount;

    /// <summary>The operations measured, named as the report shows them.</summary>
    public static class Operations
    {
        public const string Setup = "setup (customers, carriers, keys)";
        public const string Booking = "book shipment";
        public const string BookingBatch = "book shipments (batch)";
        public const string Charge = "record charge (JSON)";
        public const string CreditHold = "credit hold / release";
        public const string EventsJson = "carrier events (JSON batch)";
        public const string EventsStream = "carrier events (stream batch)";
        public const string Edi214 = "EDI 214 interchange";
        public const string Edi210 = "EDI 210 interchange";
        public const string Read = "verification read";
        public const string Lag = "journal lag read";
        public const string ProofToPosted = "proof of delivery (charges complete) → invoice posted";

        /// <summary>The order the report lists them in: the writes as a lifecycle makes them, then the reads, then the outcome.</summary>
        public static readonly string[] InReportOrder =
            [Setup, Booking, BookingBatch, Charge, EventsJson, EventsStream, Edi214, Edi210, CreditHold, Lag, Read, ProofToPosted];
    }

    public TimeSpan Elapsed => _clock.Elapsed;

    public long EventsAcknowledged => Interlocked.Read(ref _events);

    public long WritesAcknowledged => Interlocked.Read(ref _writes);

    public long ErrorCount => Interlocked.Read(ref _errorCount);

    public IReadOnlyDictionary<string, long> Errors => _errors;

    public IReadOnlyDictionary<EventRoute, long> EventsByRoute => _eventsByRoute;

    /// <summary>When the last write was acknowledged, from the start of the run.</summary>
    public TimeSpan? SendingEnded { get; set; }

    public long LargestLagWhileSending { get; private set; }

    public void Latency(string operation, TimeSpan latency)
    {
        _latencies.GetOrAdd(operation, _ => new LatencySamples()).Add(latency.TotalMilliseconds);
        if (operation is Operations.EventsJson or Operations.EventsStream or Operations.Edi214)
        {
            At(second => second.EventLatencies.Add(latency.TotalMilliseconds));
        }
    }

    public void Acknowledged(int writes, EventRoute? route = null, int events = 0)
    {
        Interlocked.Add(ref _writes, writes);
        if (route is { } eventRoute && events > 0)
        {
            Interlocked.Add(ref _events, events);
            _eventsByRoute.AddOrUpdate(eventRoute, events, (_, count) => count + events);
        }

        At(second => second.Events += events);
    }

    public void Error(string kind)
    {
        _errors.AddOrUpdate(kind, 1, (_, count) => count + 1);
        Interlocked.Increment(ref _errorCount);
        At(second => second.Errors++);
    }

    public void Lag(long events)
    {
        At(second => second.Lag = Math.Max(second.Lag ?? 0, events));
        if (SendingEnded is null)
        {
            LargestLagWhileSending = Math.Max(LargestLagWhileSending, events);
        }
    }

    /// <summary>What a round planned and what was acknowledged while it was sent, which began at <paramref name="started"/>.</summary>
    public RoundSummary Round(RoundPlan plan, TimeSpan started, long writesBefore, long eventsBefore)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var seconds = (Elapsed - started).TotalSeconds;
        var writes = WritesAcknowledged - writesBefore;
        var events = EventsAcknowledged - eventsBefore;
        long? lag;
        lock (_secondsLock)
        {
            lag = _seconds.Skip((int)started.TotalSeconds).Take((int)Math.Ceiling(Elapsed.TotalSeconds) - (int)started.TotalSeconds)
                .Max(second => second.Lag);
        }

        return new RoundSummary(
            plan.Number + 1, plan.Bookings.Count, plan.Charges.Count, plan.Events.Count, seconds, writes,
            writes / Math.Max(seconds, 0.001), events, events / Math.Max(seconds, 0.001), lag);
    }

    public IReadOnlyList<LatencySummary> LatencySummaries() =>
        [.. _latencies.OrderBy(pair => Array.IndexOf(Operations.InReportOrder, pair.Key)).Select(pair => pair.Value.Summarize(pair.Key))];

    /// <summary>Per second of the run: events acknowledged, p50 and p99 of event requests, errors, the largest journal lag read.</summary>
    public IReadOnlyList<SecondSummary> Timeline()
    {
        lock (_secondsLock)
        {
            return [.. _seconds.Select((second, index) => new SecondSummary(
                index,
                second.Events,
                Percentile(second.EventLatencies, 50),
                Percentile(second.EventLatencies, 99),
                second.Errors,
                second.Lag))];
        }
    }

    private void At(Action<Second> update)
    {
        var index = (int)_clock.Elapsed.TotalSeconds;
        lock (_secondsLock)
        {
            while (_seconds.Count <= index)
            {
                _seconds.Add(new Second());
            }

            update(_seconds[index]);
        }
    }

    /// <summary>Nearest-rank percentile of unsorted samples; null for none.</summary>
    internal static double? Percentile(List<double> samples, double percentile)
    {
        if (samples.Count == 0)
        {
            return null;
        }

        var sorted = samples.Order().ToArray();
        var rank = (int)Math.Ceiling(percentile / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    private sealed class Second
    {
        public long Events { get; set; }

        public long Errors { get; set; }

        public long? Lag { get; set; }

        public List<double> EventLatencies { get; } = [];
    }

    private sealed class LatencySamples
    {
        private readonly List<double> _samples = [];
        private readonly Lock _lock = new();

        public void Add(double milliseconds)
        {
            lock (_lock)
            {
                _samples.Add(milliseconds);
            }
        }

        public LatencySummary Summarize(string operation)
        {
            lock (_lock)
            {
                return new LatencySummary(
                    operation,
                    _samples.Count,
                    Percentile(_samples, 50) ?? 0,
                    Percentile(_samples, 90) ?? 0,
                    Percentile(_samples, 99) ?? 0,
                    Percentile(_samples, 99.9) ?? 0,
                    _samples.Count == 0 ? 0 : _samples.Max());
            }
        }
    }
}

/// <summary>Latency of one operation in milliseconds, from the first send to the acknowledgement (retries included).</summary>
internal sealed record LatencySummary(string Operation, int Count, double P50, double P90, double P99, double P999, double Max);

/// <summary>
/// One round: the bookings, charges and events it planned, how long it took to be acknowledged, the writes and events
/// acknowledged meanwhile (resends of the round before included) and the largest journal lag read while it was sent.
/// </summary>
internal sealed record RoundSummary(
    int Round, int Bookings, int Charges, int Events, double Seconds, long Writes, double WritesPerSecond, long EventsAcknowledged, double EventsPerSecond, long? LargestLag);

internal sealed record SecondSummary(int Second, long Events, double? EventP50, double? EventP99, long Errors, long? Lag);
