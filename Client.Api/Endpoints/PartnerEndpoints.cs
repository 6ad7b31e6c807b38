using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Partners;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>Carrier partners: their profiles and code mappings, registered and replaced by the integration team.</summary>
internal static class PartnerEndpoints
{
    public static RouteGroupBuilder MapPartners(this RouteGroupBuilder api)
    {
        var carriers = api.MapGroup("/carriers").WithTags("Carriers");
        carriers.MapPut("/{carrierId}", RegisterAsync)
            .WithName("RegisterCarrier")
            .WithSummary("Registers a carrier or replaces its profile (SCAC, name, code mappings, SLA); a changed profile is the next version.");
        carriers.MapGet("/{carrierId}", GetAsync)
            .WithName("GetCarrier")
            .WithSummary("Reads a carrier's current profile and its version.");
        return api;
    }

    private static async Task<Results<Created<RegisteredCarrier>, Ok<RegisteredCarrier>, ProblemHttpResult, ValidationProblem>> RegisterAsync(
        string carrierId, CarrierProfile profile, IGrainFactory grains)
    {
        var errors = CarrierValidation.Validate(profile);
        if (errors.IsEmpty && profile.CarrierId != carrierId)
        {
            errors = errors.Add("carrierId", [$"Must be {carrierId}, the carrier in the path."]);
        }

        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var carrier = grains.GetGrain<ICarrierGrain>(carrierId);
        var result = await carrier.Register(profile);
        if (result.Outcome == CommandOutcome.Rejected)
        {
            return result.Rejection == RejectionCode.ValidationFailed ? Problems.Validation(result.Errors) : Problems.Rejected(result);
        }

        var registered = await carrier.GetProfile() ?? throw new InvalidOperationException($"Carrier {carrierId} vanished after registration.");
        return result.Outcome == CommandOutcome.Applied && registered.Version == 1
            ? TypedResults.Created($"/api/v1/carriers/{Uri.EscapeDataString(carrierId)}", registered)
            : TypedResults.Ok(registered);
    }

    private static async Task<Results<Ok<RegisteredCarrier>, ProblemHttpResult>> GetAsync(string carrierId, IGrainFactory grains)
    {
        var registered = await grains.GetGrain<ICarrierGrain>(carrierId).GetProfile();
        return registered is null ? Problems.NotFound("carrier", carrierId) : TypedResults.Ok(registered);
    }
}
