using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Api.Access;
using ShipmentGrid.Billing;
using ShipmentGrid.CustomerService;
using ShipmentGrid.Customers;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

internal static class CustomerEndpoints
{
    private const int OverviewItems = 20;

    public static RouteGroupBuilder MapCustomers(this RouteGroupBuilder api)
    {
        var customers = api.MapGroup("/customers").WithTags("Customers");
        customers.MapPost("/", RegisterAsync)
            .WithName("RegisterCustomer")
            .WithSummary("Registers a customer account (billing currency, credit limit, payment terms).")
            .RequireAuthorization(AccessPolicies.Operations);
        customers.MapGet("/{customerId}", GetAsync)
            .WithName("GetCustomer")
            .WithSummary("Reads a customer's profile, receivables and credit-hold state.");
        customers.MapGet("/{customerId}/overview", GetOverviewAsync)
            .WithName("GetCustomerOverview")
            .WithSummary("One page on the customer: profile, credit, the newest shipments with their billing and invoice state, open service cases.");
        customers.MapGet("/{customerId}/shipments", ListShipmentsAsync)
            .WithName("ListCustomerShipments")
            .WithSummary("The customer's shipments, newest first, with status, billing status and invoice; paged.");
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

    /// <summary>Read models only: the overview costs the same for a customer with ten shipments or a million.</summary>
    private static async Task<Results<Ok<CustomerOverview>, ProblemHttpResult>> GetOverviewAsync(
        string customerId, IGrainFactory grains, IReadModels readModels, CancellationToken cancellationToken)
    {
        var creditTask = grains.GetGrain<ICustomerGrain>(customerId).GetCredit();
        var shipmentsTask = readModels.ListCustomerShipmentsAsync(customerId, PageRequest.First(OverviewItems), cancellationToken);
        var casesTask = readModels.ListCasesAsync(customerId, openOnly: true, PageRequest.First(OverviewItems), cancellationToken);
        await Task.WhenAll(creditTask, shipmentsTask, casesTask);
        if (await creditTask is not { } credit)
        {
            return Problems.NotFound("customer", customerId);
        }

        var profile = credit.Profile;
        return TypedResults.Ok(new CustomerOverview(
            profile,
            new CreditOverview(credit.HeldInvoices, credit.Reserved, profile.OpenReceivables, profile.CreditHold, profile.CreditHoldReason),
            await shipmentsTask,
            await casesTask));
    }

    private static async Task<Results<Ok<Page<CustomerShipment>>, ValidationProblem>> ListShipmentsAsync(
        string customerId, IReadModels readModels, CancellationToken cancellationToken, int? limit = null, string? after = null)
    {
        var (page, errors) = Paging.Parse(limit, after);
        return errors.IsEmpty
            ? TypedResults.Ok(await readModels.ListCustomerShipmentsAsync(customerId, page, cancellationToken))
            : Problems.Validation(errors);
    }
}

/// <summary>
/// What customer service and finance look at first when a customer calls: the newest shipments with their billing and
/// invoice state, and the open cases, each the first page of its list (follow <c>next</c> on the list endpoints).
/// </summary>
internal sealed record CustomerOverview(
    CustomerProfile Profile,
    CreditOverview Credit,
    Page<CustomerShipment> Shipments,
    Page<ServiceCaseView> OpenCases);

/// <summary>The customer's credit position: <see cref="Reason"/> is the credit-hold reason while on hold.</summary>
internal sealed record CreditOverview(
    ImmutableArray<HeldInvoice> HeldInvoices,
    Money Reserved,
    Money OpenReceivables,
    bool CreditHold,
    string? Reason);
