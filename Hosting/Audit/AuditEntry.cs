using System.Collections.Immutable;
using System.Globalization;

namespace ShipmentGrid.Hosting.Audit;

/// <summary>
/// One write request as the audit log keeps it: who (API key id, the partner it was issued to, its roles), what (HTTP
/// method, route pattern and the route values as <see cref="Subject"/>), the outcome (status code), when, and the trace
/// that ties it to logs and to the journal's events. Never a request body or a credential. Ids are time-ordered
/// (UUIDv7, 32 hex digits), so the log's order (<see cref="At"/>, <see cref="Id"/>) is stable.
/// </summary>
public sealed record AuditEntry(
    string Id,
    DateTimeOffset At,
    string? KeyId,
    string? Partner,
    ImmutableArray<string> Roles,
    string Method,
    string? Route,
    string? Subject,
    int Status,
    string? TraceId)
{
    /// <summary>Subjects are cut to this many characters: route values are caller input.</summary>
    public const int MaxSubjectLength = 256;

    /// <summary>A new entry's id, ordered by <paramref name="at"/>.</summary>
    public static string NewId(DateTimeOffset at) => Guid.CreateVersion7(at).ToString("N", CultureInfo.InvariantCulture);

    /// <summary>
    /// <paramref name="at"/> to whole microseconds, the precision PostgreSQL keeps, so an entry reads back as written and
    /// a page cursor taken from either store means the same position.
    /// </summary>
    public static DateTimeOffset Truncate(DateTimeOffset at) => at.AddTicks(-(at.UtcTicks % 10));

    /// <summary>
    /// Route values as <c>name=value</c> pairs, comma separated, in route order; control characters (which PostgreSQL's
    /// text refuses, in the case of NUL) become U+FFFD and the whole is cut to <see cref="MaxSubjectLength"/>. Null
    /// for no values.
    /// </summary>
    public static string? SubjectOf(IEnumerable<KeyValuePair<string, string?>> routeValues)
    {
        ArgumentNullException.ThrowIfNull(routeValues);
        var text = string.Join(", ", routeValues.Select(pair => $"{pair.Key}={pair.Value}"));
        if (text.Length == 0)
        {
            return null;
        }

        var cut = text.Length > MaxSubjectLength ? text[..MaxSubjectLength] : text;
        return string.Create(cut.Length, cut, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                span[i] = char.IsControl(source[i]) ? '\uFFFD' : source[i];
            }
        });
    }
}

/// <summary>
/// An outcome filter: one status code (<c>404</c>) or a class of them (<c>4xx</c>). <see cref="Class"/> is the hundreds
/// digit; <see cref="Status"/> the exact code, null for the whole class.
/// </summary>
public readonly record struct AuditOutcome(int Class, int? Status)
{
    public bool Matches(int status) => status / 100 == Class && (Status is null || Status == status);

    /// <summary>Null for anything but a code from 100 to 599 or a class <c>1xx</c> to <c>5xx</c>.</summary>
    public static AuditOutcome? Parse(string? text) => text switch
    {
        [>= '1' and <= '5', 'x' or 'X', 'x' or 'X'] => new AuditOutcome(text[0] - '0', null),
        { Length: 3 } when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var status) && status is >= 100 and <= 599 =>
            new AuditOutcome(status / 100, status),
        _ => null,
    };
}

/// <summary>
/// What an audit list selects; every filter is optional. <see cref="From"/> is inclusive, <see cref="To"/> exclusive.
/// </summary>
public sealed record AuditQuery(
    string? KeyId = null,
    string? Partner = null,
    string? Route = null,
    AuditOutcome? Outcome = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null)
{
    public bool Matches(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (KeyId is null || KeyId == entry.KeyId)
            && (Partner is null || Partner == entry.Partner)
            && (Route is null || Route == entry.Route)
            && (Outcome is not { } outcome || outcome.Matches(entry.Status))
            && (From is not { } from || entry.At >= from)
            && (To is not { } to || entry.At < to);
    }
}
