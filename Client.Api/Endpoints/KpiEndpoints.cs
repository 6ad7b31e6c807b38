using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Customers;
using ShipmentGrid.Kpis;
using ShipmentGrid.Partners;
using ShipmentGrid.ReadModels;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// Business KPIs (DOMAIN.md): a carrier's scorecard and a customer's cash cycle, summed from daily KPI buckets over
/// the days asked for (<c>from</c>, <c>to</c>; every day by default). Exception aging is the exceptions list filtered
/// by <c>minAgeHours</c>.
/// </summary>
internal static class KpiEndpoints
{
    public static RouteGroupBuilder MapKpis(this RouteGroupBuilder api)
    {
        var kpis = api.MapGroup("/kpis").WithTags("KPIs");
        kpis.MapGet("/carriers/{carrierId}", GetCarrierScorecardAsync)
            .WithName("GetCarrierScorecard")
            .WithSummary("A carrier's scorecard: deliveries, on time against the planned window and SLA tolerance, exceptions, duplicates, dead letters.");
        kpis.MapGet("/customers/{customerId}", GetCustomerCashKpisAsync)
            .WithName("GetCustomerCashKpis")
            .WithSummary("A customer's invoice cycle time (proof of delivery to posted) and shipment-to-cash latency (pickup to posted), in seconds.");
        return api;
    }

    /// <summary>Any carrier id answers: a carrier sends events (and earns dead letters) before, or without, registering.</summary>
    private static async Task<Results<Ok<CarrierScorecard>, ValidationProblem>> GetCarrierScorecardAsync(
        string carrierId, IGrainFactory grains, IReadModels readModels, CancellationToken cancellationToken, DateOnly? from = null, DateOnly? to = null)
    {
        if (Window(from, to) is not ({ } first, { } end))
        {
            return WindowProblem();
        }

        var aggregatesTask = readModels.ReadKpisAsync(KpiSubject.Carrier(carrierId), first, end, cancellationToken);
        var carrier = await grains.GetGrain<ICarrierGrain>(carrierId).GetProfile();
        return TypedResults.Ok(PartnerScorecard.Score(carrierId, await aggregatesTask, carrier?.Profile.Sla.DeliveryTolerance ?? TimeSpan.Zero));
    }

    private static async Task<Results<Ok<CustomerCashKpis>, ProblemHttpResult, ValidationProblem>> GetCustomerCashKpisAsync(
        string customerId, IGrainFactory grains, IReadModels readModels, CancellationToken cancellationToken, DateOnly? from = null, DateOnly? to = null)
    {
        if (Window(from, to) is not ({ } first, { } end))
        {
            return WindowProblem();
        }

        if (await grains.GetGrain<ICustomerGrain>(customerId).GetProfile() is null)
        {
            return Problems.NotFound("customer", customerId);
        }

        return TypedResults.Ok(CashCycle.Measure(customerId, await readModels.ReadKpisAsync(KpiSubject.Customer(customerId), first, end, cancellationToken)));
    }

    /// <summary>The UTC days read, <c>from</c> up to and including <c>to</c>; every day when neither is given.</summary>
    private static (DateOnly? First, DateOnly? End) Window(DateOnly? from, DateOnly? to)
    {
        var first = from ?? DateOnly.MinValue;
        var last = to ?? DateOnly.MaxValue.AddDays(-1);
        return last < first || last == DateOnly.MaxValue ? (null, null) : (first, last.AddDays(1));
    }

    private static ValidationProblem WindowProblem() =>
        Problems.Validation(ImmutableDictionary<string, ImmutableArray<string>>.Empty.Add("to", ["On or after 'from', and before 9999-12-31."]));
}
