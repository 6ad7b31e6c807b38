using ShipmentGrid.Partners;

namespace ShipmentGrid.ReadModels;

/// <summary>
/// A position in the cross-carrier dead-letter list: (dead-lettered at, carrier, event id). It travels as a
/// <see cref="KeysetCursor"/> whose id is <c>carrier/event id</c> (a carrier id never holds a <c>/</c>).
/// </summary>
public readonly record struct DeadLetterCursor(DateTimeOffset At, string CarrierId, string EventId) : IComparable<DeadLetterCursor>
{
    public static DeadLetterCursor Of(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        return new(letter.DeadLetteredAt, letter.CarrierEvent.CarrierId, letter.CarrierEvent.EventId);
    }

    /// <summary>Null for a cursor this list did not hand out.</summary>
    public static DeadLetterCursor? Decode(string? cursor) =>
        KeysetCursor.Decode(cursor) is { } keyset && keyset.Id.IndexOf('/', StringComparison.Ordinal) is > 0 and var split
            ? new DeadLetterCursor(keyset.At, keyset.Id[..split], keyset.Id[(split + 1)..])
            : null;

    public KeysetCursor AsKeyset() => new(At, CarrierId + "/" + EventId);

    public int CompareTo(DeadLetterCursor other)
    {
        var at = At.CompareTo(other.At);
        if (at != 0)
        {
            return at;
        }

        var carrier = string.CompareOrdinal(CarrierId, other.CarrierId);
        return carrier != 0 ? carrier : string.CompareOrdinal(EventId, other.EventId);
    }

    public static bool operator <(DeadLetterCursor left, DeadLetterCursor right) => left.CompareTo(right) < 0;

    public static bool operator >(DeadLetterCursor left, DeadLetterCursor right) => left.CompareTo(right) > 0;

    public static bool operator <=(DeadLetterCursor left, DeadLetterCursor right) => left.CompareTo(right) <= 0;

    public static bool operator >=(DeadLetterCursor left, DeadLetterCursor right) => left.CompareTo(right) >= 0;
}
