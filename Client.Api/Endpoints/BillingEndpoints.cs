using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Billing;
using ShipmentGrid.Customers;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.Api.Endpoints;

/// <summary>Invoices (read-only: they are opened by billing, not by callers) and the customer's credit controls.</summary>
internal static class BillingEndpoints
{
    public static RouteGroupBuilder MapBilling(this RouteGroupBuilder api)
    {
        var invoices = api.MapGroup("/").WithTags("Invoices");
        invoices.MapGet("/invoices/{invoiceNumber}", GetInvoiceAsync)
            .WithName("GetInvoice")
            .WithSummary("Reads an invoice by its number: lines, total, status, ERP document and posting time.");
        invoices.MapGet("/shipments/{shipmentId}/invoice", GetShipmentInvoiceAsync)
            .WithName("GetShipmentInvoice")
            .WithSummary("Reads the one invoice of a shipment.");
        invoices.MapGet("/shipments/{shipmentId}/invoices", GetShipmentInvoicesAsync)
            .WithName("GetShipmentInvoices")
            .WithSummary("Reads every invoice document of a shipment: its invoice, then its supplementary invoices and credit notes in order.");

        var credit = api.MapGroup("/customers/{customerId}").WithTags("Credit");
        credit.MapPost("/credit-hold", PlaceHoldAsync)
            .WithName("PlaceCreditHold")
            .WithSummary("Puts the customer on credit hold: new invoices are held until the hold lifts.");
        credit.MapDelete("/credit-hold", ReleaseHoldAsync)
            .WithName("ReleaseCreditHold")
            .WithSummary("Lifts the credit hold; held invoices that fit the limit post, oldest first.");
        credit.MapPut("/credit-limit", SetCreditLimitAsync)
            .WithName("SetCreditLimit")
            .WithSummary("Sets the credit limit in the billing currency; a higher limit releases held invoices that fit.");
        credit.MapPost("/payments", RecordPaymentAsync)
            .WithName("RecordPayment")
            .WithSummary("Records a payment once per payment id; it lowers receivables and releases held invoices that fit.");
        return api;
    }

    private static async Task<Results<Ok<InvoiceView>, ProblemHttpResult>> GetInvoiceAsync(string invoiceNumber, IGrainFactory grains)
    {
        var view = InvoiceNumbering.GrainKeyOf(invoiceNumber) is { } key
            ? await grains.GetGrain<IInvoiceGrain>(key).GetView()
            : null;
        return view is null ? Problems.NotFound("invoice", invoiceNumber) : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<InvoiceView>, ProblemHttpResult>> GetShipmentInvoiceAsync(string shipmentId, IGrainFactory grains)
    {
        var view = await grains.GetGrain<IInvoiceGrain>(shipmentId).GetView();
        return view is null ? Problems.NotFound("invoice", InvoiceNumbering.For(shipmentId)) : TypedResults.Ok(view);
    }

    private static async Task<Results<Ok<ShipmentInvoices>, ProblemHttpResult>> GetShipmentInvoicesAsync(string shipmentId, IGrainFactory grains)
    {
        var shipment = await grains.GetGrain<IShipmentGrain>(shipmentId).GetView();
        return shipment is not null && await ReadInvoicesAsync(shipment, grains) is { } invoices
            ? TypedResults.Ok(invoices)
            : Problems.NotFound("invoice", InvoiceNumbering.For(shipmentId));
    }

    /// <summary>The shipment's invoice documents, or null before its invoice is opened.</summary>
    public static async Task<ShipmentInvoices?> ReadInvoicesAsync(ShipmentView shipment, IGrainFactory grains)
    {
        var shipmentId = shipment.Booking.ShipmentId;
        if (await grains.GetGrain<IInvoiceGrain>(shipmentId).GetView() is not { } original)
        {
            return null;
        }

        // An adjustment raised but not yet opened by the shipment's reader is left out until it is.
        var adjustments = await Task.WhenAll(shipment.AdjustmentNumbers
            .Select(number => grains.GetGrain<IInvoiceGrain>(InvoiceNumbering.GrainKeyOf(number)!).GetView()));
        return new ShipmentInvoices(shipmentId, [original, .. adjustments.OfType<InvoiceView>()]);
    }

    private static Task<Results<Ok<CustomerProfile>, ProblemHttpResult, ValidationProblem>> PlaceHoldAsync(
        string customerId, CreditHoldRequest request, IGrainFactory grains) =>
        ExecuteAsync(customerId, CustomerValidation.ValidateHoldReason(request.Reason), grains, customer => customer.PlaceHold(request.Reason ?? string.Empty));

    private static Task<Results<Ok<CustomerProfile>, ProblemHttpResult, ValidationProblem>> ReleaseHoldAsync(string customerId, IGrainFactory grains) =>
        ExecuteAsync(customerId, ImmutableDictionary<string, ImmutableArray<string>>.Empty, grains, customer => customer.ReleaseHold());

    private static Task<Results<Ok<CustomerProfile>, ProblemHttpResult, ValidationProblem>> SetCreditLimitAsync(
        string customerId, CreditLimitRequest request, IGrainFactory grains) =>
        ExecuteAsync(customerId, CustomerValidation.ValidateCreditLimit(request.Amount, billingCurrency: null), grains, customer => customer.SetCreditLimit(request.Amount ?? 0m));

    private static Task<Results<Ok<CustomerProfile>, ProblemHttpResult, ValidationProblem>> RecordPaymentAsync(
        string customerId, PaymentRequest request, IGrainFactory grains) =>
        ExecuteAsync(
            customerId,
            CustomerValidation.ValidatePayment(request.PaymentId, request.Amount, billingCurrency: null),
            grains,
            customer => customer.RecordPayment(new CustomerPayment(request.PaymentId ?? string.Empty, request.Amount ?? 0m)));

    /// <summary>Validates before touching the grain (bad input changes nothing), runs the command, answers the profile.</summary>
    private static async Task<Results<Ok<CustomerProfile>, ProblemHttpResult, ValidationProblem>> ExecuteAsync(
        string customerId,
        ImmutableDictionary<string, ImmutableArray<string>> errors,
        IGrainFactory grains,
        Func<ICustomerGrain, Task<CommandResult>> command)
    {
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var customer = grains.GetGrain<ICustomerGrain>(customerId);
        var result = await command(customer);
        if (result.Outcome == CommandOutcome.Rejected)
        {
            return result.Rejection switch
            {
                RejectionCode.CustomerNotFound => Problems.NotFound("customer", customerId),
                RejectionCode.ValidationFailed => Problems.Validation(result.Errors),
                _ => Problems.Rejected(result),
            };
        }

        var profile = await customer.GetProfile() ?? throw new InvalidOperationException($"Customer {customerId} vanished after a credit command.");
        return TypedResults.Ok(profile);
    }
}

internal sealed record CreditHoldRequest(string? Reason);

internal sealed record CreditLimitRequest(decimal? Amount);

internal sealed record PaymentRequest(string? PaymentId, decimal? Amount);

/// <summary>A shipment's invoice documents: the invoice first, then its adjustments in the order they were raised.</summary>
internal sealed record ShipmentInvoices(string ShipmentId, ImmutableArray<InvoiceView> Invoices);
