using System.Text;
using ShipmentGrid.Hosting.Webhooks;

namespace ShipmentGrid.IntegrationTests.Webhooks;

public sealed class StandardWebhookSignerTests
{
    private const string MessageId = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1674087231);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"msg_2KWPBgLlAfxdpx2AI54pPJ85f4W","type":"ExceptionOpened"}""");

    [Fact]
    public void The_signature_matches_a_known_answer_computed_outside_dotnet()
    {
        // The secret is the bytes 0..31; the expected value came from Python's hmac module over the same content.
        const string secret = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

        Assert.Equal("v1,/ag39jFQpZ2WG4hkC8a6TiD7BhAA4/gxER/w5Pbs0pA=", StandardWebhookSigner.Sign(secret, MessageId, At, Body));
        Assert.Equal("1674087231", StandardWebhookSigner.UnixSeconds(At));
    }

    [Fact]
    public void A_receiver_verifies_each_of_two_overlapping_secrets_and_refuses_a_changed_body_id_stale_time_or_other_secret()
    {
        var current = WebhookSecrets.Mint();
        var previous = WebhookSecrets.Mint();
        var header = StandardWebhookSigner.Sign([current, previous], MessageId, At, Body);
        var timestamp = StandardWebhookSigner.UnixSeconds(At);

        Assert.Equal(2, SignatureVerifier.Count(header));
        Assert.True(SignatureVerifier.Verifies(current, MessageId, timestamp, header, Body, At));
        Assert.True(SignatureVerifier.Verifies(previous, MessageId, timestamp, header, Body, At));
        Assert.False(SignatureVerifier.Verifies(WebhookSecrets.Mint(), MessageId, timestamp, header, Body, At));
        Assert.False(SignatureVerifier.Verifies(current, MessageId, timestamp, header, [.. Body, (byte)' '], At));
        Assert.False(SignatureVerifier.Verifies(current, MessageId + "x", timestamp, header, Body, At));
        Assert.False(SignatureVerifier.Verifies(current, MessageId, timestamp, header, Body, At.AddMinutes(6)));
    }

    [Fact]
    public void Minted_secrets_are_whsec_and_32_random_bytes()
    {
        var one = WebhookSecrets.Mint();
        Assert.StartsWith("whsec_", one, StringComparison.Ordinal);
        Assert.Equal(32, WebhookSecrets.KeyOf(one).Length);
        Assert.NotEqual(one, WebhookSecrets.Mint());
    }
}
