using ShipmentGrid.Hosting.Webhooks;

namespace ShipmentGrid.IntegrationTests.Webhooks;

public sealed class WebhookRulesTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(1, 15, 30)]
    [InlineData(2, 30, 60)]
    [InlineData(5, 240, 480)]
    [InlineData(15, 10_800, 21_600)]
    public void A_retry_waits_the_doubled_capped_delay_jittered_to_between_half_and_all_of_it(int attempt, int minSeconds, int maxSeconds)
    {
        var options = new WebhookOptions();

        Assert.Equal(T0.AddSeconds(minSeconds), WebhookRules.NextAttemptAt(T0, attempt, options, jitter: 0));
        Assert.Equal(T0.AddSeconds(maxSeconds), WebhookRules.NextAttemptAt(T0, attempt, options, jitter: 1));
    }

    [Fact]
    public void After_the_last_attempt_there_is_no_next()
    {
        var options = new WebhookOptions { MaxAttempts = 3 };

        Assert.NotNull(WebhookRules.NextAttemptAt(T0, 2, options, 0.5));
        Assert.Null(WebhookRules.NextAttemptAt(T0, 3, options, 0.5));
    }
}
