using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.CustomerService;
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
        customers.MapGet("/{customerId}/overview", GetOverviewAsync)
            .WithName("GetCustomerOverview")
            .WithSummary("One page on the customer: profile, credit, shipments with their billing state, invoices and open service cases.");
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

    private static async Task<Results<Ok<CustomerOverview>, ProblemHttpResult>> GetOverviewAsync(string customerId, IGrainFactory grains)
    {
        var service = grains.GetGrain<ICustomerServiceGrain>(customerId);
        var creditTask = grains.GetGrain<ICustomerGrain>(customerId).GetCredit();
        var shipmentIdsTask = service.Shipments();
        var casesTask = service.Cases();
        await Task.WhenAll(creditTask, shipmentIdsTask, casesTask);
        if (await creditTask is not { } credit)
        {
            return Problems.NotFound("customer", customerId);
        }

        var shipmentIds = await shipmentIdsTask;
        var viewsTask = Task.WhenAll(shipmentIds.Select(id => grains.GetGrain<IShipmentGrain>(id).GetView()));
        var invoicesTask = Task.WhenAll(shipmentIds.Select(id => grains.GetGrain<IInvoiceGrain>(id).GetView()));
        await Task.WhenAll(viewsTask, invoicesTask);
        var views = await viewsTask;
        var invoices = await invoicesTask;
        var profile = credit.Profile;
        return TypedResults.Ok(new CustomerOverview(
            profile,
            new CreditOverview(credit.HeldInvoices, credit.Reserved, profile.OpenReceivables, profile.CreditHold, profile.CreditHoldReason),
            [.. views.OfType<ShipmentView>().Select(view =>
                new ShipmentSummary(view.Booking.ShipmentId, view.Status, view.BillingStatus, view.InvoiceNumber))],
            [.. invoices.OfType<InvoiceView>()],
            [.. (await casesTask).Where(view => view.Status != ServiceCaseStatus.Resolved)]));
    }
}

/// <summary>What customer service and finance look at first when a customer calls.</summary>
internal sealed record CustomerOverview(
    CustomerProfile Profile,
    CreditOverview Credit,
    ImmutableArray<ShipmentSummary> Shipments,
    ImmutableArray<InvoiceView> Invoices,
    ImmutableArray<ServiceCaseView> OpenCases);

/// <summary>The customer's credit position: <see cref="Reason"/> is the credit-hold reason while on hold.</summary>
internal sealed record CreditOverview(
    ImmutableArray<HeldInvoice> HeldInvoices,
    Money Reserved,
    Money OpenReceivables,
    bool CreditHold,
    string? Reason);

internal sealed record ShipmentSummary(string ShipmentId, ShipmentStatus Status, BillingStatus BillingStatus, string? InvoiceNumber);
