using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Customers;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

internal static class CustomerEndpoints
{
    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder api)
    {
        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapPost("/", RegisterAsync)
            .WithName("RegisterCustomer")
            .WithSummary("Registers a customer account (billing currency, credit limit, payment terms).");
        customers.MapGet("/{customerId}", GetAsync)
            .WithName("GetCustomer")
            .WithSummary("Reads a customer's profile, receivables and credit-hold state.");
        return api;
    }

    private static async Task<Results<Created<CustomerProfile>, Ok<CustomerProfile>, ProblemHttpResult, ValidationProblem>> RegisterAsync(
        CustomerRegistration registration, IGrainFactory grains)
    {
        var errors = CustomerValidation.Validate(registration);
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var customer = grains.GetGrain<ICustomerGrain>(registration.CustomerId);
        var result = await customer.Register(registration);
        if (result.Outcome == CommandOutcome.Rejected)
        {
            return Problems.Rejected(result);
        }

        var profile = await customer.GetProfile() ?? throw new InvalidOperationException($"Customer {registration.CustomerId} vanished after registration.");
        return result.Outcome == CommandOutcome.Applied
            ? TypedResults.Created($"/api/v1/customers/{Uri.EscapeDataString(registration.CustomerId)}", profile)
            : TypedResults.Ok(profile);
    }

    private static async Task<Results<Ok<CustomerProfile>, ProblemHttpResult>> GetAsync(string customerId, IGrainFactory grains)
    {
        var profile = await grains.GetGrain<ICustomerGrain>(customerId).GetProfile();
        return profile is null ? Problems.NotFound("customer", customerId) : TypedResults.Ok(profile);
    }
}
