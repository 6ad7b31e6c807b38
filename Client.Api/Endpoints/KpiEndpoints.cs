using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Customers;
using ShipmentGrid.Kpis;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>
/// Business KPIs (DOMAIN.md): a carrier's scorecard and a customer's cash cycle. Exception aging is the
/// exceptions list filtered by <c>minAgeHours</c>.
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
    private static async Task<Ok<CarrierScorecard>> GetCarrierScorecardAsync(string carrierId, IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IPartnerKpiGrain>(carrierId).GetScorecard());

    private static async Task<Results<Ok<CustomerCashKpis>, ProblemHttpResult>> GetCustomerCashKpisAsync(string customerId, IGrainFactory grains)
    {
        if (await grains.GetGrain<ICustomerGrain>(customerId).GetProfile() is null)
        {
            return Problems.NotFound("customer", customerId);
        }

        return TypedResults.Ok(await grains.GetGrain<ICustomerKpiGrain>(customerId).GetCashKpis());
    }
}
