using System.Collections.Immutable;

namespace ShipmentGrid.Billing;

/// <summary>
/// The ERP as billing sees it, built for a remote system that times out and answers twice: every call carries
/// its own idempotency key (the invoice number, the payment id), so a retry after an unknown outcome is safe.
/// A failure worth retrying is an <see cref="ErpUnavailableException"/>; gateways translate their transport
/// errors into it.
/// </summary>
public interface IErpGateway
{
    /// <summary>Posts the invoice once; posting the same number again answers the first document and writes nothing.</summary>
    Task<ErpPostingResult> PostAsync(ErpInvoice invoice, CancellationToken cancellationToken);

    /// <summary>Records a payment against the customer's receivables once per payment id.</summary>
    Task RecordPaymentAsync(ErpPayment payment, CancellationToken cancellationToken);
}

/// <summary>
/// An invoice as the ERP receives it; <see cref="InvoiceNumber"/> is the idempotency key. A supplementary invoice or
/// credit note names the invoice it adjusts; a credit note's total and lines are negative.
/// </summary>
public sealed record ErpInvoice(
    string InvoiceNumber,
    string CustomerId,
    string ShipmentId,
    Money Total,
    ImmutableArray<InvoiceLine> Lines,
    DateTimeOffset IssuedAt,
    InvoiceKind Kind = InvoiceKind.Invoice,
    string? AdjustsInvoiceNumber = null)
{
    public static ErpInvoice From(InvoiceView invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        return new(
            invoice.InvoiceNumber, invoice.CustomerId, invoice.ShipmentId, invoice.Total, invoice.Lines, invoice.CreatedAt, invoice.Kind, invoice.OriginalInvoiceNumber);
    }
}

/// <summary>The ERP's answer, recorded on the invoice.</summary>
public sealed record ErpPostingResult(string DocumentNumber, DateTimeOffset PostedAt);

/// <summary>A payment as the ERP receives it; <see cref="PaymentId"/> is the idempotency key.</summary>
public sealed record ErpPayment(string CustomerId, string PaymentId, Money Amount, DateTimeOffset ReceivedAt);

/// <summary>The ERP could not be reached or did not answer: the outcome is unknown, so the call is retried as is.</summary>
public class ErpUnavailableException : Exception
{
    public ErpUnavailableException()
    {
    }

    public ErpUnavailableException(string message)
        : base(message)
    {
    }

    public ErpUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The grid's own throttle had no ERP call slot for the posting (a peak, not an outage): nothing reached the ERP, so the
/// posting simply waits for the invoice's next reminder tick, counting as no failed attempt.
/// </summary>
public sealed class ErpBusyException : ErpUnavailableException
{
    public ErpBusyException()
    {
    }

    public ErpBusyException(string message)
        : base(message)
    {
    }

    public ErpBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
