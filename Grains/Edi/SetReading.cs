using System.Collections.Immutable;

namespace ShipmentGrid.Edi;

/// <summary>What one transaction set gave: its value when accepted, else its status and reason.</summary>
/// <remarks><see cref="Value"/> is default unless accepted.</remarks>
internal sealed record SetReading<T>(T? Value, EdiSetStatus Status, string? Reason, string? AckErrorCode, ImmutableArray<string> Warnings)
{
    /// <summary>AK502 code 5: one or more segments in error.</summary>
    public const string SegmentsInError = "5";

    public static SetReading<T> Accepted(T value, IEnumerable<string> warnings) => new(value, EdiSetStatus.Accepted, null, null, [.. warnings]);

    public static SetReading<T> Rejected(string reason, IEnumerable<string> warnings) =>
        new(default, EdiSetStatus.Rejected, reason, SegmentsInError, [.. warnings]);

    public static SetReading<T> Refused(string reason, IEnumerable<string> warnings) => new(default, EdiSetStatus.Refused, reason, null, [.. warnings]);
}
