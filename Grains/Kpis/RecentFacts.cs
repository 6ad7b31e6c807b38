using System.Collections.Immutable;

namespace ShipmentGrid.Kpis;

/// <summary>
/// The ids of the facts a counter took most recently, oldest first, so a redelivered fact is not counted
/// twice. Bounded because redeliveries come soon after the original; a fact older than the window would count again.
/// </summary>
public static class RecentFacts
{
    public const int Capacity = 1_000;

    /// <summary>Remembers the fact id; false, with the window unchanged, when it was seen already.</summary>
    public static bool TryRemember(ImmutableArray<string> seen, string factId, out ImmutableArray<string> remembered, int capacity = Capacity)
    {
        if (seen.Contains(factId, StringComparer.Ordinal))
        {
            remembered = seen;
            return false;
        }

        var added = seen.Add(factId);
        remembered = added.Length > capacity ? added.RemoveRange(0, added.Length - capacity) : added;
        return true;
    }
}
