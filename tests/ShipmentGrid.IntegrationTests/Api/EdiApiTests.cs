using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using ShipmentGrid.IntegrationTests.Infrastructure;
using ShipmentGrid.Shipments;

namespace ShipmentGrid.IntegrationTests.Api;

/// <summary>A carrier sends X12 214 and 210 with its own key: statuses and charges land once, the 997 comes back, a resend is answered again.</summary>
public sealed class EdiApiTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private static readonly string Yesterday = DateTime.UtcNow.AddDays(-1).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task A_214_and_a_210_land_once_with_a_997_and_a_resent_interchange_is_answered_again_without_effect()
    {
        var carrier = await OnboardAsync("K-EDI", "KEDI", "S-EDI-1");

        var receipt = await SendAsync(carrier, Interchange("KEDI", "000000101", Status214("0001", "S-EDI-1", "AF")));
        Assert.Equal(["Accepted"], receipt["events"]!.AsArray().Select(e => (string?)e!["outcome"]));
        var acknowledgement = (string)receipt["acknowledgement"]!;
        Assert.StartsWith("ISA", acknowledgement, StringComparison.Ordinal);
        Assert.Contains("AK1*QM", acknowledgement, StringComparison.Ordinal);
        Assert.Contains("AK5*A", acknowledgement, StringComparison.Ordinal);

        using (var resent = await PostAsync(carrier, Interchange("KEDI", "000000101", Status214("0001", "S-EDI-1", "AF"))))
        {
            Assert.Equal("true", resent.Headers.GetValues("X-Interchange-Replayed").Single());
            Assert.Equal(acknowledgement, (string)(await resent.Content.ReadFromJsonAsync<JsonObject>())!["acknowledgement"]!);
        }

        // The same status in a new interchange derives the same event id: a duplicate, not a second milestone.
        var again = await SendAsync(carrier, Interchange("KEDI", "000000102", Status214("0001", "S-EDI-1", "AF")));
        Assert.Equal(["Duplicate"], again["events"]!.AsArray().Select(e => (string?)e!["outcome"]));

        var invoice = await SendAsync(carrier, Interchange("KEDI", "000000103", Invoice210("0001", "S-EDI-1")));
        Assert.Equal(["Applied", "Applied"], invoice["charges"]!.AsArray().Select(c => (string?)c!["outcome"]));
        var shipment = await admin.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/S-EDI-1", UriKind.Relative));
        Assert.Equal(["FuelSurcharge", "Linehaul"], shipment!["charges"]!.AsArray().Select(c => (string?)c!["type"]).Order(StringComparer.Ordinal));
        var history = await admin.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/shipments/S-EDI-1/history", UriKind.Relative));
        Assert.Equal(1 + 1 + 2, history!.Count);

        var stored = await carrier.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/edi/K-EDI/000000101", UriKind.Relative));
        Assert.Equal((acknowledgement, true), ((string?)stored!["acknowledgement"], ((string)stored["raw"]!).StartsWith("ISA", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Copies_of_one_interchange_sent_at_once_are_all_answered_as_the_kept_interchange_and_land_once()
    {
        var carrier = await OnboardAsync("K-EDC", "KEDC", "S-EDC-1");
        var raw = Interchange("KEDC", "000000501", Status214("0001", "S-EDC-1", "AF"));

        var answers = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await PostAsync(carrier, raw);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        }));

        var kept = (await carrier.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/edi/K-EDC/000000501", UriKind.Relative)))!;
        Assert.All(answers, answer => Assert.True(JsonNode.DeepEquals(kept["summary"], answer), $"answered {answer.ToJsonString()}, kept {kept["summary"]!.ToJsonString()}"));
        var history = await admin.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/shipments/S-EDC-1/history", UriKind.Relative));
        Assert.Equal(1 + 1, history!.Count);
    }

    [Fact]
    public async Task A_214_naming_only_the_pro_finds_the_shipment_booked_a_moment_before()
    {
        var carrier = await OnboardAsync("K-EDP", "KEDP", "S-EDP-1");
        var receipt = await SendAsync(carrier, Interchange("KEDP", "000000401", Set("214", "0001",
            "B10*PRO-S-EDP-1**", "LX*1", $"AT7*AF*NS***{Yesterday}*1430*CT", "LX*2", $"AT7*X6*NS***{Yesterday}*1630*CT")));
        var unknown = await SendAsync(carrier, Interchange("KEDP", "000000402", Set("214", "0001", "B10*PRO-NOWHERE**", "LX*1", $"AT7*AF*NS***{Yesterday}*1430*CT")));

        Assert.Equal(
            [("Accepted", "S-EDP-1"), ("Accepted", "S-EDP-1")],
            receipt["events"]!.AsArray().Select(e => ((string?)e!["outcome"], (string?)e["shipmentId"])));
        Assert.Equal("shipment-not-booked", (string?)unknown["events"]![0]!["rejection"]);
        var shipment = await admin.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/S-EDP-1", UriKind.Relative));
        Assert.Equal("InTransit", (string?)shipment!["status"]);
    }

    [Fact]
    public async Task A_214_naming_only_an_unbooked_pro_is_dead_lettered_with_it_and_replays_onto_the_shipment_booked_later()
    {
        var carrier = await OnboardAsync("K-EDL", "KEDL", "S-EDL-0");
        var receipt = await SendAsync(carrier, Interchange("KEDL", "000000501", Set("214", "0001", "B10*PRO-S-EDL-1**", "LX*1", $"AT7*AF*NS***{Yesterday}*1430*CT")));
        var eventId = (string)receipt["events"]![0]!["eventId"]!;
        Assert.Equal("shipment-not-booked", (string?)receipt["events"]![0]!["rejection"]);

        var letter = (await admin.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/dead-letters?partner=K-EDL", UriKind.Relative)))!["items"]!.AsArray().Single()!;
        Assert.Equal((eventId, "ProNumber", "PRO-S-EDL-1"), ((string?)letter["carrierEvent"]!["eventId"], (string?)letter["reference"]!["kind"], (string?)letter["reference"]!["value"]));
        var stillUnbooked = await ReplayAsync("K-EDL", eventId);
        Assert.Equal("StillRejected", stillUnbooked);

        var booking = SampleBookings.Booking("S-EDL-1", "C-EDI", "K-EDL") with { References = new ShipmentReferences("PRO-S-EDL-1", null, null) };
        using (var booked = await admin.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), booking))
        {
            Assert.True(booked.IsSuccessStatusCode, await booked.Content.ReadAsStringAsync());
        }

        Assert.Equal("Replayed", await ReplayAsync("K-EDL", eventId));
        Assert.Equal("Replayed", await ReplayAsync("K-EDL", eventId));
        var shipment = await admin.GetFromJsonAsync<JsonObject>(new Uri("/api/v1/shipments/S-EDL-1", UriKind.Relative));
        Assert.Equal([eventId], shipment!["timeline"]!.AsArray().Select(entry => (string?)entry!["eventId"]));
        Assert.Equal("PickedUp", (string?)shipment["status"]);
    }

    [Fact]
    public async Task Validate_only_changes_nothing_and_the_997_comes_alone_when_asked_for()
    {
        var carrier = await OnboardAsync("K-EDV", "KEDV", "S-EDV-1");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/edi?validateOnly=true")
        {
            Content = new StringContent(Interchange("KEDV", "000000201", Status214("0001", "S-EDV-1", "AF")), Encoding.ASCII, "application/edi-x12"),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/edi-x12"));
        using var response = await carrier.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/edi-x12", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("ISA", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var history = await admin.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/shipments/S-EDV-1/history", UriKind.Relative));
        Assert.Single(history!);
        using var notKept = await carrier.GetAsync(new Uri("/api/v1/edi/K-EDV/000000201", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, notKept.StatusCode);
    }

    [Theory]
    [InlineData("OTHER", "000000301", "000000301")]
    [InlineData("KEDX", "000000302", "000000399")]
    public async Task An_interchange_from_a_foreign_sender_or_with_mismatched_control_numbers_is_refused_whole(string sender, string control, string trailer)
    {
        var carrier = await OnboardAsync("K-EDX", "KEDX", "S-EDX-1");
        var raw = Interchange(sender, control, Status214("0001", "S-EDX-1", "AF"));
        raw = raw[..raw.LastIndexOf("IEA", StringComparison.Ordinal)] + $"IEA*1*{trailer}~";
        using var response = await PostAsync(carrier, raw);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!["interchange"]);
        var history = await admin.GetFromJsonAsync<JsonArray>(new Uri("/api/v1/shipments/S-EDX-1/history", UriKind.Relative));
        Assert.Single(history!);
    }

    private async Task<HttpClient> OnboardAsync(string carrierId, string scac, string shipmentId)
    {
        var profile = new JsonObject
        {
            ["carrierId"] = carrierId, ["scac"] = scac, ["name"] = "EDI carrier " + carrierId,
            ["milestoneCodes"] = new JsonObject(), ["exceptionCodes"] = new JsonObject(), ["chargeCodes"] = new JsonObject(),
            ["sla"] = new JsonObject { ["deliveryTolerance"] = "02:00:00", ["onTimeTargetPercent"] = 95m },
            ["timeZone"] = "America/Chicago",
        };
        using (var registered = await admin.PutAsync(new Uri($"/api/v1/carriers/{carrierId}", UriKind.Relative), new StringContent(profile.ToJsonString(), Encoding.UTF8, "application/json")))
        {
            Assert.True(registered.IsSuccessStatusCode, await registered.Content.ReadAsStringAsync());
        }

        using (var customer = await admin.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-EDI")))
        using (var booked = await admin.PostAsJsonAsync(new Uri("/api/v1/shipments", UriKind.Relative), SampleBookings.Booking(shipmentId, "C-EDI", carrierId)))
        {
            Assert.True(booked.IsSuccessStatusCode, await booked.Content.ReadAsStringAsync());
        }

        using var minted = await admin.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner = carrierId, roles = new[] { "carrier:" + carrierId } });
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = TestKeys.Bearer((string)(await minted.Content.ReadFromJsonAsync<JsonObject>())!["token"]!);
        return client;
    }

    private async Task<string?> ReplayAsync(string carrierId, string eventId)
    {
        using var response = await admin.PostAsJsonAsync(
            new Uri("/api/v1/dead-letters/replay", UriKind.Relative), new { items = new[] { new { carrierId, eventId } } });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (string?)(await response.Content.ReadFromJsonAsync<JsonObject>())!["results"]![0]!["outcome"];
    }

    private static async Task<JsonObject> SendAsync(HttpClient carrier, string raw)
    {
        using var response = await PostAsync(carrier, raw);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient carrier, string raw) =>
        carrier.PostAsync(new Uri("/api/v1/edi", UriKind.Relative), new StringContent(raw, Encoding.ASCII, "application/edi-x12"));

    private static string Interchange(string sender, string control, string set) =>
        $"ISA*00*          *00*          *02*{sender,-15}*ZZ*SHIPGRID       *250110*1200*U*00401*{control}*0*P*>~"
        + $"GS*{(set.Contains("ST*210", StringComparison.Ordinal) ? "IM" : "QM")}*{sender}*SHIPGRID*20250110*1200*1*X*004010~"
        + set + "GE*1*1~" + $"IEA*1*{control}~";

    private static string Status214(string control, string shipmentId, string status) =>
        Set("214", control, $"B10*PRO-{shipmentId}*{shipmentId}*", "LX*1", $"AT7*{status}*NS***{Yesterday}*1430*CT", "MS1*Chicago*IL*USA");

    private static string Invoice210(string control, string shipmentId) =>
        Set("210", control, $"B3**FI-{shipmentId}*{shipmentId}*PP**{Yesterday}*165000", "C3*USD",
            "LX*1", "L5*1*Freight", "L1*1*2.50*PH*150000****400",
            "LX*2", "L5*2*Fuel", "L1*2***15000****FUE",
            "L3*1200*G***165000");

    private static string Set(string id, string control, params string[] body) =>
        $"ST*{id}*{control}~" + string.Concat(body.Select(segment => segment + "~")) + $"SE*{body.Length + 2}*{control}~";
}
