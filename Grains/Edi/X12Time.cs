using System.Collections.Frozen;
using System.Globalization;

namespace ShipmentGrid.Edi;

/// <summary>The instant an X12 date, time and time code (element 623) stand for, or why they cannot be read.</summary>
public sealed record X12Instant(DateTimeOffset? Value, string? Error, string? Warning)
{
    public static X12Instant Failed(string error) => new(null, error, null);
}

/// <summary>
/// Dates, times and time codes as X12 writes them. Fixed codes carry their offset (ES is always UTC-5, ED
/// UTC-4). Generic US zones (ET, CT, MT, PT, AT Alaska, TT Atlantic, NT Newfoundland) follow the US daylight
/// saving rule in force since 2007: daylight from the second Sunday of March 2:00 local to the first Sunday of
/// November 2:00 local; the repeated hour in November is read as daylight, a time in the skipped March hour
/// with the daylight offset. HT is Hawaii, which keeps standard time all year. LT (local time) or no code is
/// the carrier's own zone, an IANA id the caller passes in; that reading is reported as a warning.
/// </summary>
public static class X12Time
{
    private static readonly FrozenDictionary<string, TimeSpan> FixedOffsets = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["UT"] = TimeSpan.Zero,
        ["GM"] = TimeSpan.Zero,
        ["Z"] = TimeSpan.Zero,
        ["ES"] = TimeSpan.FromHours(-5),
        ["ED"] = TimeSpan.FromHours(-4),
        ["CS"] = TimeSpan.FromHours(-6),
        ["CD"] = TimeSpan.FromHours(-5),
        ["MS"] = TimeSpan.FromHours(-7),
        ["MD"] = TimeSpan.FromHours(-6),
        ["PS"] = TimeSpan.FromHours(-8),
        ["PD"] = TimeSpan.FromHours(-7),
        ["AS"] = TimeSpan.FromHours(-9),
        ["AD"] = TimeSpan.FromHours(-8),
        ["HS"] = TimeSpan.FromHours(-10),
        ["HD"] = TimeSpan.FromHours(-9),
        ["HT"] = TimeSpan.FromHours(-10),
        ["TS"] = TimeSpan.FromHours(-4),
        ["TD"] = TimeSpan.FromHours(-3),
        ["NS"] = new TimeSpan(-3, -30, 0),
        ["ND"] = new TimeSpan(-2, -30, 0),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Standard offsets of the generic zones; daylight time adds an hour.</summary>
    private static readonly FrozenDictionary<string, TimeSpan> GenericZones = new Dictionary<string, TimeSpan>(StringComparer.Ordinal)
    {
        ["ET"] = TimeSpan.FromHours(-5),
        ["CT"] = TimeSpan.FromHours(-6),
        ["MT"] = TimeSpan.FromHours(-7),
        ["PT"] = TimeSpan.FromHours(-8),
        ["AT"] = TimeSpan.FromHours(-9),
        ["TT"] = TimeSpan.FromHours(-4),
        ["NT"] = new TimeSpan(-3, -30, 0),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>
    /// Reads CCYYMMDD, or YYMMDD where the version allows it (3070 and older split the century out). A
    /// six-digit year is placed in the century window around <paramref name="reference"/>: from 50 years
    /// before it to 49 years after it, so "991231" received in 2025 is 1999 and "250105" is 2025.
    /// </summary>
    public static DateOnly? ParseDate(string text, bool allowTwoDigitYear, DateTimeOffset reference)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 8 && text.All(char.IsAsciiDigit))
        {
            return DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;
        }

        if (!allowTwoDigitYear || text.Length != 6 || !text.All(char.IsAsciiDigit))
        {
            return null;
        }

        var twoDigits = int.Parse(text.AsSpan(0, 2), CultureInfo.InvariantCulture);
        var year = reference.Year - 50 + (((twoDigits - (reference.Year - 50)) % 100) + 100) % 100;
        var month = int.Parse(text.AsSpan(2, 2), CultureInfo.InvariantCulture);
        var day = int.Parse(text.AsSpan(4, 2), CultureInfo.InvariantCulture);
        return year is >= 1 and <= 9999 && month is >= 1 and <= 12 && day >= 1 && day <= DateTime.DaysInMonth(year, month)
            ? new DateOnly(year, month, day)
            : null;
    }

    /// <summary>Reads HHMM or HHMMSS, with optional decimal seconds after them (HHMMSSd..d), which are dropped.</summary>
    public static TimeOnly? ParseTime(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length is not (4 or 6 or 7 or 8) || !text.All(char.IsAsciiDigit))
        {
            return null;
        }

        var hour = int.Parse(text.AsSpan(0, 2), CultureInfo.InvariantCulture);
        var minute = int.Parse(text.AsSpan(2, 2), CultureInfo.InvariantCulture);
        var second = text.Length >= 6 ? int.Parse(text.AsSpan(4, 2), CultureInfo.InvariantCulture) : 0;
        return hour <= 23 && minute <= 59 && second <= 59 ? new TimeOnly(hour, minute, second) : null;
    }

    /// <param name="date">The date as written (AT705).</param>
    /// <param name="time">The wall-clock time as written (AT706).</param>
    /// <param name="timeCode">X12 element 623 (AT707); empty means local time.</param>
    /// <param name="carrierTimeZone">The carrier's IANA zone, for LT or no code; null when the profile has none.</param>
    public static X12Instant Resolve(DateOnly date, TimeOnly time, string timeCode, string? carrierTimeZone)
    {
        ArgumentNullException.ThrowIfNull(timeCode);
        var local = date.ToDateTime(time, DateTimeKind.Unspecified);
        if (FixedOffsets.TryGetValue(timeCode, out var offset))
        {
            return new X12Instant(new DateTimeOffset(local, offset), null, null);
        }

        if (GenericZones.TryGetValue(timeCode, out var standard))
        {
            var daylight = IsUsDaylightTime(local);
            return new X12Instant(new DateTimeOffset(local, daylight ? standard + TimeSpan.FromHours(1) : standard), null, null);
        }

        if (timeCode is not ("LT" or ""))
        {
            return X12Instant.Failed($"Unknown time code '{timeCode}'.");
        }

        var shown = timeCode.Length == 0 ? "no time code" : "time code LT";
        if (string.IsNullOrWhiteSpace(carrierTimeZone))
        {
            return X12Instant.Failed($"A local time ({shown}) needs the carrier's time zone, and none is configured.");
        }

        if (!TimeZoneInfo.TryFindSystemTimeZoneById(carrierTimeZone, out var zone))
        {
            return X12Instant.Failed($"A local time ({shown}) needs the carrier's time zone; '{carrierTimeZone}' is not a known zone.");
        }

        return new X12Instant(
            new DateTimeOffset(local, zone.GetUtcOffset(local)),
            null,
            $"{date:yyyy-MM-dd} {time:HH:mm:ss} ({shown}) read in the carrier's time zone {carrierTimeZone}.");
    }

    /// <summary>US rule since 2007, in local wall-clock time: [second Sunday of March 2:00, first Sunday of November 2:00).</summary>
    public static bool IsUsDaylightTime(DateTime local)
    {
        var start = NthSunday(local.Year, 3, 2).AddHours(2);
        var end = NthSunday(local.Year, 11, 1).AddHours(2);
        return local >= start && local < end;
    }

    private static DateTime NthSunday(int year, int month, int n)
    {
        var first = new DateTime(year, month, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var toSunday = ((int)DayOfWeek.Sunday - (int)first.DayOfWeek + 7) % 7;
        return first.AddDays(toSunday + (7 * (n - 1)));
    }
}
