using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Polly;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Hosting.Erp;

/// <summary>
/// A remote ERP over HTTP (README, "Connecting a remote ERP"). Every write is a PUT to the resource named by its
/// idempotency key (the invoice number, the payment id), with the same key in <c>Idempotency-Key</c>, so the
/// resilience handler's retries and the invoice's own retries after an unknown outcome never make a second document.
/// </summary>
/// <remarks>
/// Every failure becomes an <see cref="ErpUnavailableException"/>, including the ERP refusing a posting as invalid
/// (400, 422) or refusing the credentials: the grid never drops a posting, so such an invoice keeps retrying on its
/// backoff and opens an erp-failure item for people to fix the cause, after which the next retry posts it.
/// </remarks>
public sealed partial class HttpErpGateway(IHttpClientFactory clients, ErpThrottle throttle, ILogger<HttpErpGateway> logger) : IErpGateway
{
    /// <summary>The named <see cref="HttpClient"/> carrying the base address, credentials and resilience handler.</summary>
    public const string ClientName = "erp";

    public async Task<ErpPostingResult> PostAsync(ErpInvoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        var subject = $"invoice {invoice.InvoiceNumber}";
        var path = ErpContract.InvoicePath(invoice.InvoiceNumber);
        var body = JsonSerializer.SerializeToUtf8Bytes(ErpInvoiceDocument.From(invoice), ErpContract.Json);
        var answer = await CallAsync(
            () => Put(path, invoice.InvoiceNumber, body),
            async (response, token) => response.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Conflict
                ? await ReadDocumentAsync(response, token)
                : null,
            subject,
            cancellationToken);

        // "Already posted" without the document in the answer: the document is read back by its number.
        return answer ?? await ReadInvoiceAsync(invoice.InvoiceNumber, cancellationToken)
            ?? throw new ErpUnavailableException($"The ERP answered {subject} as already posted but has no document for it.");
    }

    public async Task RecordPaymentAsync(ErpPayment payment, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(payment);
        var path = ErpContract.PaymentPath(payment.PaymentId);
        var body = JsonSerializer.SerializeToUtf8Bytes(
            new ErpPaymentDocument(payment.PaymentId, payment.CustomerId, payment.Amount.Currency, payment.Amount.Amount, payment.ReceivedAt),
            ErpContract.Json);
        await CallAsync(
            () => Put(path, payment.PaymentId, body),
            (_, _) => Task.FromResult(true),
            $"payment {payment.PaymentId}",
            cancellationToken);
    }

    /// <summary>The ERP's document of an invoice (<c>GET /invoices/{invoiceNumber}</c>); null when it has none (404).</summary>
    public Task<ErpPostingResult?> ReadInvoiceAsync(string invoiceNumber, CancellationToken cancellationToken) =>
        CallAsync(
            () => new HttpRequestMessage(HttpMethod.Get, ErpContract.InvoicePath(invoiceNumber)),
            async (response, token) => response.StatusCode == HttpStatusCode.NotFound ? null : await ReadDocumentAsync(response, token),
            $"invoice {invoiceNumber}",
            cancellationToken,
            HttpStatusCode.NotFound);

    private static HttpRequestMessage Put(string path, string idempotencyKey, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = content };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    /// <summary>One call through the throttle; any answer outside 2xx, 409 and <paramref name="alsoAccepted"/> is a failure.</summary>
    private async Task<T> CallAsync<T>(
        Func<HttpRequestMessage> request,
        Func<HttpResponseMessage, CancellationToken, Task<T>> answer,
        string subject,
        CancellationToken cancellationToken,
        HttpStatusCode? alsoAccepted = null)
    {
        using var slot = await throttle.EnterAsync(cancellationToken);
        try
        {
            using var message = request();
            using var response = await clients.CreateClient(ClientName).SendAsync(message, cancellationToken);
            if (response.IsSuccessStatusCode || response.StatusCode == HttpStatusCode.Conflict || response.StatusCode == alsoAccepted)
            {
                return await answer(response, cancellationToken);
            }

            var status = (int)response.StatusCode;
            if (status is >= 400 and < 500 and not 408 and not 429)
            {
                // A refusal no retry changes by itself (a contract error, bad credentials): people must look.
                LogRefused(logger, subject, status);
                throw new ErpUnavailableException($"The ERP refused {subject} with {status}; it needs a fix before a retry can post it.");
            }

            throw new ErpUnavailableException($"The ERP answered {subject} with {status}.");
        }
        catch (Exception exception) when (exception is HttpRequestException or ExecutionRejectedException or JsonException
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // Transport errors, Polly's timeouts and open circuit, an unreadable answer: the outcome is unknown, retry as is.
            throw new ErpUnavailableException($"The ERP did not answer {subject}: {exception.Message}", exception);
        }
    }

    private static async Task<ErpPostingResult?> ReadDocumentAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength == 0)
        {
            return null;
        }

        var document = await response.Content.ReadFromJsonAsync<ErpPostedDocument>(ErpContract.Json, cancellationToken);
        return document is { DocumentNumber: { Length: > 0 } number, PostedAt: { } postedAt }
            ? new ErpPostingResult(number, postedAt)
            : null;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The ERP refused {Subject} with status {Status}; the grid retries it on its backoff until the cause is fixed")]
    private static partial void LogRefused(ILogger logger, string subject, int status);
}
