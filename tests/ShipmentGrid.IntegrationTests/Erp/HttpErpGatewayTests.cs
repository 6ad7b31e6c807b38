using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Billing;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Polly.CircuitBreaker;
using ShipmentGrid.Hosting.Erp;
using ShipmentGrid.Hosting.Health;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Erp;

/// <summary>The HTTP gateway, its resilience and its throttle against a real HTTP server that plays the ERP.</summary>
public sealed class HttpErpGatewayTests : IAsyncLifetime
{
    private FakeErp erp = null!;

    public async Task InitializeAsync() => erp = await FakeErp.StartAsync();

    public async Task DisposeAsync() => await erp.DisposeAsync();

    [Theory]
    [InlineData(503)]
    [InlineData(500)]
    [InlineData(502)]
    [InlineData(429)]
    public async Task A_posting_answered_with_a_transient_failure_is_retried_and_written_once(int status)
    {
        await using var services = ErpSettings.Gateway(erp);
        erp.FailNext(status, status, status);

        var posted = await Gateway(services).PostAsync(Invoice("INV-S-5XX"), CancellationToken.None);

        Assert.Equal(erp.DocumentOf("INV-S-5XX"), posted.DocumentNumber);
        Assert.Equal((4, 1), (erp.Writes, erp.Created));
    }

    [Fact]
    public async Task A_timed_out_posting_is_retried_and_its_idempotency_key_answers_the_first_document()
    {
        await using var services = ErpSettings.Gateway(erp);
        erp.HoldNextAnswerAfterWrite(TimeSpan.FromSeconds(30));

        var posted = await Gateway(services).PostAsync(Invoice("INV-S-SLOW"), CancellationToken.None);

        // The first attempt wrote the document and timed out; the retry found it under the same number.
        Assert.Equal(erp.DocumentOf("INV-S-SLOW"), posted.DocumentNumber);
        Assert.Equal((2, 1), (erp.Writes, erp.Created));
    }

    [Theory]
    [InlineData(409, true)]
    [InlineData(409, false)]
    [InlineData(200, true)]
    [InlineData(200, false)]
    public async Task Already_posted_is_success_with_the_existing_document(int status, bool withDocument)
    {
        await using var services = ErpSettings.Gateway(erp);
        erp.AlreadyPostedStatus = status;
        erp.AlreadyPostedWithDocument = withDocument;
        erp.AlreadyHolds("INV-S-OLD", "DOC-EARLIER");

        var posted = await Gateway(services).PostAsync(Invoice("INV-S-OLD"), CancellationToken.None);

        Assert.Equal("DOC-EARLIER", posted.DocumentNumber);
        Assert.Equal(new DateTimeOffset(2026, 1, 5, 9, 0, 0, TimeSpan.Zero), posted.PostedAt);
        Assert.Equal((1, 0), (erp.Writes, erp.Created));
    }

    [Fact]
    public async Task A_posting_the_erp_refuses_as_invalid_is_not_retried_in_the_call_and_stays_unposted_for_the_invoice_to_retry()
    {
        await using var services = ErpSettings.Gateway(erp);
        erp.FailNext(422);

        var failure = await Assert.ThrowsAsync<ErpUnavailableException>(() => Gateway(services).PostAsync(Invoice("INV-S-BAD"), CancellationToken.None));

        Assert.Contains("refused", failure.Message, StringComparison.Ordinal);
        Assert.Equal((1, 0), (erp.Writes, erp.Created));
    }

    [Fact]
    public async Task The_circuit_opens_under_a_burst_of_failures_and_closes_on_the_first_success_after_the_break()
    {
        await using var services = ErpSettings.Gateway(
            erp,
            ("Erp:Resilience:CircuitBreaker:MinimumThroughput", "4"),
            ("Erp:Resilience:CircuitBreaker:BreakDuration", "00:00:01"));
        var gateway = Gateway(services);
        erp.Outage = 503;

        await Assert.ThrowsAsync<ErpUnavailableException>(() => gateway.PostAsync(Invoice("INV-S-CB"), CancellationToken.None));
        var reached = erp.Writes;
        await Assert.ThrowsAsync<ErpUnavailableException>(() => gateway.PostAsync(Invoice("INV-S-CB"), CancellationToken.None));

        // Open: the second posting was turned away without reaching the ERP, and the silo's health and gauge say so.
        Assert.Equal(4, reached);
        Assert.Equal(reached, erp.Writes);
        var circuit = services.GetRequiredService<ErpCircuit>();
        Assert.Equal(CircuitState.Open, circuit.State);
        Assert.Equal(HealthStatus.Degraded, (await new ErpCircuitCheck(circuit).CheckHealthAsync(new HealthCheckContext())).Status);

        erp.Outage = null;
        var posted = await Eventually.Succeeds(
            () => gateway.PostAsync(Invoice("INV-S-CB"), CancellationToken.None), TimeSpan.FromSeconds(10), "a posting after the break");

        Assert.Equal(erp.DocumentOf("INV-S-CB"), posted.DocumentNumber);
        Assert.Equal(1, erp.Created);
        Assert.Equal(CircuitState.Closed, circuit.State);
    }

    [Fact]
    public async Task The_throttle_bounds_the_calls_in_flight_and_every_waiting_posting_goes_through_once()
    {
        await using var services = ErpSettings.Gateway(erp, ("Erp:Throttle:MaxConcurrentCalls", "3"), ("Erp:Throttle:CallsPerSecond", "1000"));
        erp.Latency = TimeSpan.FromMilliseconds(50);
        var gateway = Gateway(services);

        var posted = await Task.WhenAll(Enumerable.Range(1, 24).Select(n => gateway.PostAsync(Invoice($"INV-S-T{n}"), CancellationToken.None)));

        Assert.InRange(erp.MaxInFlight, 1, 3);
        Assert.Equal((24, 24), (erp.Created, posted.Select(document => document.DocumentNumber).Distinct().Count()));
    }

    [Fact]
    public async Task The_throttle_spaces_calls_to_the_configured_rate()
    {
        await using var services = ErpSettings.Gateway(erp, ("Erp:Throttle:CallsPerSecond", "20"));
        var gateway = Gateway(services);
        var stopwatch = Stopwatch.StartNew();

        // A second's worth may burst; the next twenty wait for the bucket to refill at 20 a second.
        await Task.WhenAll(Enumerable.Range(1, 40).Select(n => gateway.PostAsync(Invoice($"INV-S-R{n}"), CancellationToken.None)));

        Assert.True(stopwatch.Elapsed >= TimeSpan.FromMilliseconds(800), $"40 calls at 20 a second took {stopwatch.Elapsed}.");
        Assert.Equal(40, erp.Created);
    }

    [Fact]
    public async Task A_full_queue_turns_a_call_away_before_it_reaches_the_erp()
    {
        await using var services = ErpSettings.Gateway(erp, ("Erp:Throttle:MaxConcurrentCalls", "1"), ("Erp:Throttle:QueueLimit", "1"));
        erp.Latency = TimeSpan.FromMilliseconds(300);
        var gateway = Gateway(services);

        var calls = Enumerable.Range(1, 3).Select(n => gateway.PostAsync(Invoice($"INV-S-Q{n}"), CancellationToken.None)).ToArray();
        await Assert.ThrowsAsync<ErpBusyException>(() => calls[2]);
        await Task.WhenAll(calls[0], calls[1]);

        Assert.Equal((2, 2), (erp.Writes, erp.Created));
        Assert.Null(erp.DocumentOf("INV-S-Q3"));
    }

    [Fact]
    public void Each_silo_takes_its_share_of_the_cluster_budget()
    {
        var silos = 1;
        using var throttle = new ErpThrottle(new ErpThrottleOptions { MaxConcurrentCalls = 10 }, () => silos);

        Assert.Equal(10, throttle.ConcurrentCallsHere);
        silos = 3;
        Assert.Equal(4, throttle.ConcurrentCallsHere);
        silos = 20;
        Assert.Equal(1, throttle.ConcurrentCallsHere);
    }

    [Fact]
    public async Task A_payment_is_recorded_once_per_payment_id_through_retries()
    {
        await using var services = ErpSettings.Gateway(erp);
        var gateway = Gateway(services);
        var payment = new ErpPayment("C-ERP", "PAY-1", new Money(250.50m, "USD"), DateTimeOffset.UtcNow);
        erp.FailNext(503);

        await gateway.RecordPaymentAsync(payment, CancellationToken.None);
        await gateway.RecordPaymentAsync(payment, CancellationToken.None);

        Assert.Equal((3, 1), (erp.Writes, erp.Payments));
    }

    [Fact]
    public async Task Reading_a_document_answers_the_erp_document_or_none()
    {
        await using var services = ErpSettings.Gateway(erp);
        var gateway = services.GetRequiredService<HttpErpGateway>();
        erp.AlreadyHolds("INV-S-READ", "DOC-READ");

        Assert.Equal("DOC-READ", (await gateway.ReadInvoiceAsync("INV-S-READ", CancellationToken.None))?.DocumentNumber);
        Assert.Null(await gateway.ReadInvoiceAsync("INV-S-NONE", CancellationToken.None));
    }

    private static IErpGateway Gateway(IServiceProvider services) => services.GetRequiredService<IErpGateway>();

    private static ErpInvoice Invoice(string number) => new(
        number,
        "C-ERP",
        number["INV-".Length..],
        new Money(890.25m, "USD"),
        [
            new InvoiceLine(1, "LH-1", ChargeType.Linehaul, new Money(800m, "USD"), ChargeSource.Rating, "RATE-1"),
            new InvoiceLine(2, "FS-1", ChargeType.FuelSurcharge, new Money(90.25m, "USD"), ChargeSource.CarrierInvoice, "210-1"),
        ],
        new DateTimeOffset(2026, 3, 2, 8, 0, 0, TimeSpan.Zero));
}
