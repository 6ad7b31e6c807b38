using System.Globalization;
using System.Text.Json.Nodes;

namespace ShipmentGrid.Tools.LoadGen;

/// <summary>
/// One run: registers the run's customers and carriers and mints its keys with the admin key, sends the workload round by
/// round (each round's requests concurrently, paced or flat out), waits for the journal to drain, verifies the end state
/// against the acknowledgement ledger, and reports.
/// </summary>
internal sealed class LoadRun(LoadOptions options, HttpClient http, string adminKey, TextWriter progressOutput, bool terminal, TimeProvider clock)
{
    /// <summary>One batch in this many is sent again in the next round (anomalies on): a carrier resending a file.</summary>
    private const int ResendEvery = 10;

    /// <summary>What the grid acknowledged to this run.</summary>
    public AcknowledgementLedger Ledger { get; } = new();

    public async Task<RunReport> ExecuteAsync(CancellationToken cancellationToken = default)
    {
        var metrics = new RunMetrics();
        var grid = new GridClient(http, metrics, options.Rate is { } rate ? new TokenBucket(rate) : null);
        var now = clock.GetUtcNow();
        var workload = Workload.Create(options, "LG" + now.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture), now);
        var keys = await SetupAsync(grid, workload);
        var deadLettersBefore = (long)(await grid.ReadAsync(keys.Operations, "api/v1/journal/lag", RunMetrics.Operations.Lag))!["deadLetters"]!;

        var sending = new Sending(grid, Ledger, keys, clock, options);
        var sendingStarted = metrics.Elapsed;
        var rounds = new List<RoundSummary>(workload.RoundCount);
        Verification verification;
        double? drained;
        await using (var progress = new ProgressDisplay(grid, keys.Operations, progressOutput, terminal))
        {
            for (var round = 0; round < workload.RoundCount; round++)
            {
                var number = round + 1;
                progress.Stage = () => $"round {number}/{workload.RoundCount}";
                var plan = workload.Round(round, shipment => Ledger.IsBooked(shipment.Id));
                var (started, writesBefore, eventsBefore) = (metrics.Elapsed, metrics.WritesAcknowledged, metrics.EventsAcknowledged);
                await sending.RoundAsync(plan, cancellationToken);
                rounds.Add(metrics.Round(plan, started, writesBefore, eventsBefore));
            }

            progress.Stage = () => "resent batches of the last round";
            await sending.ResendsAsync(cancellationToken);
            metrics.SendingEnded = metrics.Elapsed;

            progress.Stage = () => "waiting for the journal to drain";
            drained = await DrainedAsync(grid, keys.Operations, cancellationToken);
            var verifier = new Verifier(grid, keys.Operations, new VerifierOptions(options.Settle, options.Concurrency, options.Postgres));
            progress.Stage = () => verifier.Status;
            verification = await verifier.VerifyAsync(Ledger, deadLettersBefore, cancellationToken);
        }

        var sendingSeconds = (metrics.SendingEnded!.Value - sendingStarted).TotalSeconds;
        var events = Ledger.Events.Count(acknowledged => acknowledged.CarrierId == workload.Carriers[0].Id);
        return new RunReport(
            workload.Run,
            options.Api.ToString(),
            new RunSettings(options.Shipments, options.Customers, options.Carriers, options.Routes, options.Concurrency, options.Batch, options.Rate, options.Anomalies, options.Until, options.Cohorts),
            new WorkloadSummary(
                workload.Carriers[0].Id,
                Ledger.Events.Count == 0 ? 0 : (double)events / Ledger.Events.Count,
                workload.Shipments.Count(shipment => shipment.DeliveryException),
                options.Until >= Milestone.InTransit ? workload.Shipments.Count(shipment => shipment.LateInTransit) : 0,
                sending.ResentBatches,
                workload.Shipments.Count(shipment => shipment.ChargesResent),
                workload.Shipments.Count(shipment => shipment.MissingFuel),
                workload.Shipments.Count(shipment => shipment.FuelAfterProof),
                workload.Customers.Count(customer => customer.HeldDuringRun || customer.HeldAtEnd),
                workload.Customers.Count(customer => customer.HeldAtEnd)),
            new Throughput(
                sendingSeconds,
                metrics.SendingEnded.Value.TotalSeconds,
                metrics.EventsAcknowledged,
                Ledger.Events.Count,
                metrics.EventsAcknowledged / Math.Max(sendingSeconds, 0.001),
                metrics.EventsByRoute.ToDictionary(),
                metrics.WritesAcknowledged,
                metrics.LargestLagWhileSending,
                drained),
            rounds,
            metrics.LatencySummaries(),
            metrics.Errors.ToDictionary(StringComparer.Ordinal),
            verification,
            metrics.Timeline());
    }

    /// <summary>Registers the run's customers and carriers and mints its operations, finance and carrier keys; any refusal ends the run.</summary>
    private async Task<RunKeys> SetupAsync(GridClient grid, Workload workload)
    {
        await Parallel.ForEachAsync(workload.Customers, Parallelism(), async (customer, _) =>
        {
            await SetupWriteAsync(grid, HttpMethod.Post, "api/v1/customers", new JsonObject
            {
                ["customerId"] = customer.Id, ["name"] = $"Load customer {customer.Index}", ["billingCurrency"] = "USD",
                ["creditLimit"] = 1_000_000_000m, ["paymentTermsDays"] = 30,
            });
            Ledger.Customer(customer.Id);
        });
        await Parallel.ForEachAsync(workload.Carriers, Parallelism(), async (carrier, _) => await SetupWriteAsync(grid, HttpMethod.Put, $"api/v1/carriers/{carrier.Id}", new JsonObject
        {
            ["carrierId"] = carrier.Id, ["scac"] = carrier.Scac, ["name"] = $"Load carrier {carrier.Index}",
            ["milestoneCodes"] = new JsonObject { [X12Documents.ProofOfDeliveryCode] = "ProofOfDelivery" },
            ["exceptionCodes"] = new JsonObject(), ["chargeCodes"] = new JsonObject(),
            ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
            ["timeZone"] = "America/Chicago", ["ediSenderIds"] = new JsonArray(carrier.SenderId),
        }));

        var carrierKeys = new System.Collections.Concurrent.ConcurrentDictionary<string, string>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(workload.Carriers, Parallelism(), async (carrier, _) =>
            carrierKeys[carrier.Id] = await MintAsync(grid, workload, carrier.Id, $"carrier:{carrier.Id}"));
        return new RunKeys(adminKey, await MintAsync(grid, workload, "operations", "operations"), await MintAsync(grid, workload, "finance", "finance"), carrierKeys);
    }

    private async Task<string> MintAsync(GridClient grid, Workload workload, string partner, string role)
    {
        var minted = await SetupWriteAsync(grid, HttpMethod.Post, "api/v1/keys", new JsonObject
        {
            ["partner"] = $"{workload.Run}-{partner}", ["roles"] = new JsonArray(role), ["description"] = "Minted by LoadGen for one run.",
        });
        return (string?)minted?["token"] ?? throw new InvalidOperationException($"minting a {role} key answered no token");
    }

    private async Task<JsonNode?> SetupWriteAsync(GridClient grid, HttpMethod method, string path, JsonObject body)
    {
        var answer = await grid.WriteAsync(RunMetrics.Operations.Setup, adminKey, method, path, body.ToJsonString());
        return answer.Acknowledged
            ? answer.Body
            : throw new InvalidOperationException($"setup: {method} {path} answered {(answer.Unanswered ? "nothing" : answer.Status.ToString(CultureInfo.InvariantCulture))}: {answer.Body?.ToJsonString()}");
    }

    /// <summary>Waits for the journal's readers to catch up after the last write; the seconds it took, or null past the settle time.</summary>
    private async Task<double?> DrainedAsync(GridClient grid, string readKey, CancellationToken cancellationToken)
    {
        var metrics = grid.Metrics;
        while (metrics.Elapsed - metrics.SendingEnded!.Value < options.Settle)
        {
            var lag = (long)(await grid.ReadAsync(readKey, "api/v1/journal/lag", RunMetrics.Operations.Lag))!["events"]!;
            metrics.Lag(lag);
            if (lag == 0)
            {
                return (metrics.Elapsed - metrics.SendingEnded.Value).TotalSeconds;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        return null;
    }

    private ParallelOptions Parallelism() => new() { MaxDegreeOfParallelism = options.Concurrency };

    /// <summary>Sends rounds: every request of a round at once (up to the concurrency), in a mixed order, and the resends they call for.</summary>
    private sealed class Sending(GridClient grid, AcknowledgementLedger ledger, RunKeys keys, TimeProvider clock, LoadOptions options)
    {
        private readonly CarrierEventSender _events = new(grid, ledger, keys, clock);
        private readonly ChargeSender _charges = new(grid, ledger, keys, clock);
        private List<Func<Task>> _resends = [];
        private int _controlNumber;
        private int _batches;

        public int ResentBatches { get; private set; }

        public async Task RoundAsync(RoundPlan round, CancellationToken cancellationToken)
        {
            var requests = new List<Func<Task>>(_resends);
            _resends = [];
            requests.AddRange(round.Credit.Select(change => (Func<Task>)(() => CreditAsync(change.Customer, change.Hold))));
            requests.AddRange(options.BookingBatch == 1
                ? round.Bookings.Select(shipment => (Func<Task>)(() => BookAsync(shipment)))
                : round.Bookings.Chunk(options.BookingBatch).Select(chunk => (Func<Task>)(() => BookBatchAsync(chunk))));
            requests.AddRange(round.Charges.Where(charge => !ChargeSender.ByEdi(charge)).Select(charge => (Func<Task>)(() => _charges.SendAsync(charge))));
            foreach (var chunk in round.Charges.Where(ChargeSender.ByEdi).GroupBy(charge => charge.Shipment.Carrier).SelectMany(carrier => carrier.Chunk(options.Batch).Select(chunk => (carrier.Key, chunk))))
            {
                var control = Interlocked.Increment(ref _controlNumber);
                requests.Add(() => _charges.SendEdiAsync(chunk.Key, chunk.chunk, control));
            }

            foreach (var batch in round.Events.GroupBy(planned => planned.Carrier).SelectMany(carrier => carrier.Chunk(options.Batch).Select(chunk => new EventBatch(carrier.Key, chunk, Interlocked.Increment(ref _controlNumber)))))
            {
                requests.Add(() => _events.SendAsync(batch));
                if (options.Anomalies && ++_batches % ResendEvery == 3)
                {
                    // Half of the resent interchanges reuse their control number (answered again from the kept one), half come anew.
                    var resent = batch.Carrier.Route == EventRoute.Edi && _batches % (2 * ResendEvery) == 3
                        ? batch with { ControlNumber = Interlocked.Increment(ref _controlNumber) }
                        : batch;
                    _resends.Add(() => _events.SendAsync(resent));
                    ResentBatches++;
                }
            }

            await SendAllAsync(requests, round.Number, cancellationToken);
        }

        public Task ResendsAsync(CancellationToken cancellationToken)
        {
            var requests = _resends;
            _resends = [];
            return SendAllAsync(requests, -1, cancellationToken);
        }

        private async Task SendAllAsync(List<Func<Task>> requests, int seed, CancellationToken cancellationToken)
        {
            var mixed = requests.ToArray();
            new Random(seed).Shuffle(mixed);
            await Parallel.ForEachAsync(
                mixed, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken }, async (send, _) => await send());
        }

        private async Task BookAsync(ShipmentPlan shipment)
        {
            var answer = await grid.WriteAsync(RunMetrics.Operations.Booking, keys.Operations, HttpMethod.Post, "api/v1/shipments", Booking(shipment).ToJsonString());
            if (answer.Acknowledged)
            {
                ledger.Booked(shipment.Id, shipment.Customer.Id, shipment.Carrier.Id);
                grid.Metrics.Acknowledged(1);
            }
            else if (answer.Unanswered)
            {
                // Perhaps booked: its lifecycle goes on, and the verifier judges it only for what is missing.
                ledger.Booked(shipment.Id, shipment.Customer.Id, shipment.Carrier.Id);
                ledger.Uncertain(shipment.Id);
            }
        }

        /// <summary>Books the shipments in one request; each booking answered booked or duplicate is acknowledged, a rejected one is an error of its kind.</summary>
        private async Task BookBatchAsync(ShipmentPlan[] shipments)
        {
            var body = new JsonArray([.. shipments.Select(Booking)]);
            var answer = await grid.WriteAsync(RunMetrics.Operations.BookingBatch, keys.Operations, HttpMethod.Post, "api/v1/shipments/batch", body.ToJsonString(), shipments.Length);
            if (answer.Unanswered)
            {
                foreach (var shipment in shipments)
                {
                    ledger.Booked(shipment.Id, shipment.Customer.Id, shipment.Carrier.Id);
                    ledger.Uncertain(shipment.Id);
                }

                return;
            }

            if (!answer.Acknowledged)
            {
                return;
            }

            var results = answer.Body?["results"]?.AsArray() ?? [];
            foreach (var (shipment, result) in shipments.Zip(results))
            {
                if ((string?)result?["outcome"] is "Booked" or "Duplicate")
                {
                    ledger.Booked(shipment.Id, shipment.Customer.Id, shipment.Carrier.Id);
                    grid.Metrics.Acknowledged(1);
                }
                else
                {
                    grid.Metrics.Error($"{RunMetrics.Operations.BookingBatch}: {(string?)result?["rejection"] ?? "no answer for the booking"}");
                }
            }
        }

        private static JsonObject Booking(ShipmentPlan shipment) =>
            new()
            {
                ["shipmentId"] = shipment.Id, ["customerId"] = shipment.Customer.Id, ["carrierId"] = shipment.Carrier.Id,
                ["origin"] = new JsonObject { ["city"] = "Chicago", ["state"] = "IL", ["country"] = "US" },
                ["destination"] = new JsonObject { ["city"] = "Dallas", ["state"] = "TX", ["country"] = "US" },
                ["references"] = new JsonObject { ["proNumber"] = shipment.ProNumber, ["billOfLading"] = "BOL-" + shipment.Id },
                ["plannedPickup"] = shipment.PickupAt, ["plannedDelivery"] = shipment.PickupAt.AddHours(42),
                ["serviceFlags"] = new JsonObject { ["specialHandling"] = false },
            };

        private async Task CreditAsync(CustomerPlan customer, bool hold)
        {
            var path = $"api/v1/customers/{customer.Id}/credit-hold";
            var answer = hold
                ? await grid.WriteAsync(RunMetrics.Operations.CreditHold, keys.Finance, HttpMethod.Post, path, new JsonObject { ["reason"] = "LoadGen: disputed invoices" }.ToJsonString())
                : await grid.WriteAsync(RunMetrics.Operations.CreditHold, keys.Finance, HttpMethod.Delete, path, null);
            if (answer.Acknowledged)
            {
                ledger.CreditHold(customer.Id, hold);
                grid.Metrics.Acknowledged(1);
            }
        }
    }
}
