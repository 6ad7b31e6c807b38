namespace ShipmentGrid.Billing;

/// <summary>An amount in one currency (ISO 4217, three upper-case letters). Decimal, never float.</summary>
[GenerateSerializer, Immutable, Alias("sg.money.v1")]
public sealed record Money([Id(0)] decimal Amount, [Id(1)] string Currency)
{
    public static Money Zero(string currency) => new(0m, currency);

    public bool IsPositive => Amount > 0m;

    /// <summary>Adds two amounts; mixing currencies is a programming error, not a rounding question.</summary>
    public Money Add(Money other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!string.Equals(Currency, other.Currency, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Cannot add {other.Currency} to {Currency}.");
        }

        return this with { Amount = Amount + other.Amount };
    }

    public Money Subtract(Money other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return Add(other with { Amount = -other.Amount });
    }

    public static Money operator +(Money left, Money right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Add(right);
    }

    public static Money operator -(Money left, Money right)
    {
        ArgumentNullException.ThrowIfNull(left);
        return left.Subtract(right);
    }

    public override string ToString() => $"{Amount:0.00##} {Currency}";
}
