using System.Buffers.Text;
using System.Collections.Immutable;
using System.Globalization;
using System.Text;

namespace ShipmentGrid.ReadModels;

/// <summary>A page request: at most <see cref="Limit"/> items after the opaque cursor <see cref="After"/> (null: from the start).</summary>
public sealed record PageRequest(int Limit, string? After)
{
    public const int DefaultLimit = 50;

    public const int MaxLimit = 500;

    public static PageRequest First(int limit = DefaultLimit) => new(limit, null);
}

/// <summary>One page of a list in its stable order; <see cref="Next"/> continues after the last item, null at the end.</summary>
public sealed record Page<T>(ImmutableArray<T> Items, string? Next);

/// <summary>
/// A keyset position (a time and an id) as an opaque, URL-safe cursor. Lists order by (time, id), so the next
/// page starts strictly after the last item shown, whatever was inserted meanwhile.
/// </summary>
public readonly record struct KeysetCursor(DateTimeOffset At, string Id)
{
    public string Encode() =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{At.UtcTicks}|{Id}")));

    /// <summary>Null for a cursor this grid did not hand out.</summary>
    public static KeysetCursor? Decode(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            var split = text.IndexOf('|', StringComparison.Ordinal);
            return split > 0
                && long.TryParse(text.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                ? new KeysetCursor(new DateTimeOffset(ticks, TimeSpan.Zero), text[(split + 1)..])
                : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The page of <paramref name="items"/> (fetched one past the limit) with the cursor after its last item.</summary>
    public static Page<T> PageOf<T>(IReadOnlyList<T> items, int limit, Func<T, KeysetCursor> keyOf)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(keyOf);
        return items.Count > limit
            ? new Page<T>([.. items.Take(limit)], keyOf(items[limit - 1]).Encode())
            : new Page<T>([.. items], null);
    }
}
