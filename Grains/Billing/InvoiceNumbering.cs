namespace ShipmentGrid.Billing;

/// <summary>
/// One invoice per shipment: the number is a function of the shipment id, so every retry, duplicate or
/// restart arrives at the same number, which is also the ERP idempotency key.
/// </summary>
public static class InvoiceNumbering
{
    public const string Prefix = "INV-";

    public static string For(string shipmentId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(shipmentId);
        return Prefix + shipmentId;
    }

    /// <summary>The shipment an invoice number belongs to, or null when the text is not one of our numbers.</summary>
    public static string? ShipmentIdOf(string invoiceNumber) =>
        invoiceNumber is not null && invoiceNumber.StartsWith(Prefix, StringComparison.Ordinal) && invoiceNumber.Length > Prefix.Length
            ? invoiceNumber[Prefix.Length..]
            : null;
}
