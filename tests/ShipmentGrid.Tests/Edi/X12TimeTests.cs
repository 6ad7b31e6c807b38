using ShipmentGrid.Edi;

namespace ShipmentGrid.Tests.Edi;

public sealed class X12TimeTests
{
    private static readonly DateTimeOffset Reference = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("UT", 0.0)]
    [InlineData("GM", 0.0)]
    [InlineData("Z", 0.0)]
    [InlineData("ES", -5.0)]
    [InlineData("ED", -4.0)]
    [InlineData("CS", -6.0)]
    [InlineData("CD", -5.0)]
    [InlineData("MS", -7.0)]
    [InlineData("MD", -6.0)]
    [InlineData("PS", -8.0)]
    [InlineData("PD", -7.0)]
    [InlineData("AS", -9.0)]
    [InlineData("AD", -8.0)]
    [InlineData("HT", -10.0)]
    [InlineData("NS", -3.5)]
    public void Fixed_codes_carry_their_offset_whatever_the_season(string code, double hours)
    {
        foreach (var date in new[] { new DateOnly(2025, 1, 15), new DateOnly(2025, 7, 15) })
        {
            var instant = X12Time.Resolve(date, new TimeOnly(10, 0), code, null);

            Assert.Equal(TimeSpan.FromHours(hours), instant.Value!.Value.Offset);
        }
    }

    [Theory]
    [InlineData("ET", 2025, 1, 15, 10, -5)]
    [InlineData("ET", 2025, 7, 15, 10, -4)]
    [InlineData("CT", 2025, 3, 9, 1, -6)]
    [InlineData("CT", 2025, 3, 9, 2, -5)]
    [InlineData("CT", 2025, 3, 9, 3, -5)]
    [InlineData("MT", 2025, 11, 2, 1, -6)]
    [InlineData("MT", 2025, 11, 2, 2, -7)]
    [InlineData("PT", 2024, 3, 10, 3, -7)]
    [InlineData("PT", 2024, 3, 9, 23, -8)]
    [InlineData("PT", 2024, 11, 3, 2, -8)]
    public void Generic_zones_follow_the_US_daylight_saving_rule(string code, int year, int month, int day, int hour, int offset)
    {
        var instant = X12Time.Resolve(new DateOnly(year, month, day), new TimeOnly(hour, 0), code, null);

        Assert.Equal(TimeSpan.FromHours(offset), instant.Value!.Value.Offset);
    }

    [Fact]
    public void Local_time_uses_the_IANA_zone_including_its_own_daylight_rule()
    {
        var winter = X12Time.Resolve(new DateOnly(2025, 1, 15), new TimeOnly(10, 0), "LT", "Europe/Paris");
        var summer = X12Time.Resolve(new DateOnly(2025, 7, 15), new TimeOnly(10, 0), "LT", "Europe/Paris");

        Assert.Equal(TimeSpan.FromHours(1), winter.Value!.Value.Offset);
        Assert.Equal(TimeSpan.FromHours(2), summer.Value!.Value.Offset);
        Assert.NotNull(summer.Warning);
    }

    [Theory]
    [InlineData("250109", 2025, 1, 9)]
    [InlineData("741231", 2074, 12, 31)]
    [InlineData("750101", 1975, 1, 1)]
    [InlineData("991231", 1999, 12, 31)]
    [InlineData("20000229", 2000, 2, 29)]
    public void Dates_read_with_six_digit_years_in_a_window_around_receipt(string text, int year, int month, int day)
    {
        Assert.Equal(new DateOnly(year, month, day), X12Time.ParseDate(text, allowTwoDigitYear: true, Reference));
    }

    [Theory]
    [InlineData("250229", true)]
    [InlineData("251301", true)]
    [InlineData("250109", false)]
    [InlineData("2025010", true)]
    [InlineData("20250132", true)]
    [InlineData("", true)]
    [InlineData("2025O109", true)]
    public void Bad_dates_are_not_read(string text, bool allowTwoDigitYear)
    {
        Assert.Null(X12Time.ParseDate(text, allowTwoDigitYear, Reference));
    }

    [Theory]
    [InlineData("0000", 0, 0, 0)]
    [InlineData("2359", 23, 59, 0)]
    [InlineData("235959", 23, 59, 59)]
    [InlineData("1430157", 14, 30, 15)]
    [InlineData("14301575", 14, 30, 15)]
    public void Times_read_as_HHMM_or_HHMMSS(string text, int hour, int minute, int second)
    {
        Assert.Equal(new TimeOnly(hour, minute, second), X12Time.ParseTime(text));
    }

    [Theory]
    [InlineData("2400")]
    [InlineData("1260")]
    [InlineData("123")]
    [InlineData("12345")]
    [InlineData("123060")]
    [InlineData("12:30")]
    public void Bad_times_are_not_read(string text)
    {
        Assert.Null(X12Time.ParseTime(text));
    }
}
