using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using ShipmentGrid.Billing;

namespace ShipmentGrid.Customers;

/// <summary>
/// Writes customers' payments to the ERP ledger outside the customers' turns. Stateless: a payment that fails
/// here stays with its customer, which sends it again on its reminder; the ledger takes a payment id once.
/// </summary>
[StatelessWorker]
public sealed partial class PaymentLedgerGrain(IErpGateway erp, ILogger<PaymentLedgerGrain> logger) : Grain, IPaymentLedgerGrain
{
    public async Task Record(LedgerPayment payment)
    {
        ArgumentNullException.ThrowIfNull(payment);
        try
        {
            await erp.RecordPaymentAsync(new ErpPayment(payment.CustomerId, payment.PaymentId, payment.Amount, payment.ReceivedAt), CancellationToken.None);
        }
        catch (ErpUnavailableException exception)
        {
            LogPaymentNotRecorded(logger, exception, payment.CustomerId, payment.PaymentId);
            return;
        }

        await GrainFactory.GetGrain<ICustomerGrain>(payment.CustomerId).RecordPaymentInLedger(payment.PaymentId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The ERP did not take payment {PaymentId} of customer {CustomerId} yet; the customer sends it again")]
    private static partial void LogPaymentNotRecorded(ILogger logger, Exception exception, string customerId, string paymentId);
}
