using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using ShipmentGrid.IntegrationTests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace ShipmentGrid.IntegrationTests.Ops;

/// <summary>
/// The operations page in a real headless browser (Debian's chromium, driven by Playwright) against the grid in
/// PostgreSQL mode (a silo and the API as processes on a throwaway server): a person signs in with a key, follows a
/// shipment booked through the API to its posted invoice, resolves an exception and replays a dead letter through the
/// page; every change is checked through the API too, and axe-core checks each view.
/// </summary>
[Collection(SharedPostgres.Name)]
public sealed class OpsPageBrowserTests(PostgresServer postgres)
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);

    /// <summary>The screenshots the README's "Seeing the grid" shows, under docs/images.</summary>
    private static readonly HashSet<string> ReadmePictures = new(["ops-story", "ops-exceptions", "ops-kpis", "dashboard"], StringComparer.Ordinal);

    [Fact]
    public async Task An_operator_follows_a_shipment_to_its_posted_invoice_resolves_an_exception_and_replays_a_dead_letter_on_the_page()
    {
        await using var crm = await Webhooks.WebhookReceiver.StartAsync();
        await using var cluster = await Cluster.FaultCluster.StartAsync(postgres, "ops_page", silos: 1, new Dictionary<string, string>
        {
            ["Webhooks__AllowedHosts__0"] = "127.0.0.1",
            ["Webhooks__PollInterval"] = "00:00:00.100",
        });
        var address = cluster.ApiAddress;
        using var http = TestKeys.AdminClient(address, TimeSpan.FromSeconds(30));
        var grid = new Grid(http);

        // Through the API, as a partner would: a CRM subscribed to deliveries, a shipment to its posted invoice, a delivery
        // exception, a dead letter.
        var now = DateTimeOffset.UtcNow;
        await grid.PostAsync("/api/v1/customers", SampleBookings.Customer("CUST-OPS"));
        var subscription = (string)(await grid.PostAsync("/api/v1/webhooks", new JsonObject
        {
            ["url"] = crm.UrlOf("crm"), ["eventTypes"] = new JsonArray("DeliveryConfirmed"), ["customerId"] = "CUST-OPS", ["description"] = "CRM of CUST-OPS",
        }))["subscription"]!["subscriptionId"]!;
        await grid.PostAsync("/api/v1/shipments", SampleBookings.Booking("SHP-OPS-1", "CUST-OPS", "CARR-OPS") with
        {
            References = new Shipments.ShipmentReferences("PRO-OPS-1", "BOL-OPS-1", "PO-OPS-1"),
        });
        await grid.PostAsync("/api/v1/carrier-events", new JsonArray(
            Event("OPS-1-PU", "SHP-OPS-1", "milestone", "PickedUp", now.AddHours(-30)),
            Event("OPS-1-DL", "SHP-OPS-1", "milestone", "Delivered", now.AddHours(-3)),
            Event("OPS-1-POD", "SHP-OPS-1", "milestone", "ProofOfDelivery", now.AddHours(-2))));
        await grid.PostAsync("/api/v1/shipments/SHP-OPS-1/charges", Charge("OPS-1-LH", "LINEHAUL", 1_200m));
        await grid.PostAsync("/api/v1/shipments/SHP-OPS-1/charges", Charge("OPS-1-FS", "FUEL_SURCHARGE", 95m));
        var invoice = await Eventually.Succeeds(
            async () => await grid.GetAsync("/api/v1/shipments/SHP-OPS-1/invoice") is { } read && (string?)read["status"] == "Posted"
                ? read
                : throw new InvalidOperationException("not posted yet"),
            Deadline,
            "the invoice posted");
        var erpDocument = (string)invoice["erpDocumentNumber"]!;
        var storySteps = (await grid.GetAsync("/api/v1/shipments/SHP-OPS-1/story"))["steps"]!.AsArray();
        Assert.All(storySteps, step => Assert.Matches("^[0-9a-f]{32}$", (string?)step!["traceId"]));
        await Eventually.Holds(
            async () => (await grid.ItemsAsync($"/api/v1/webhooks/{subscription}/deliveries")).Any(attempt => (bool)attempt!["succeeded"]!),
            Deadline,
            "the delivery confirmation delivered to the CRM");

        await grid.PostAsync("/api/v1/shipments", SampleBookings.Booking("SHP-OPS-2", "CUST-OPS", "CARR-OPS"));
        await grid.PostAsync("/api/v1/carrier-events", new JsonArray(Event("OPS-2-X", "SHP-OPS-2", "deliveryException", "Damaged", now.AddHours(-1))));
        await grid.PostAsync("/api/v1/carrier-events", new JsonArray(Event("OPS-3-PU", "SHP-OPS-3", "milestone", "PickedUp", now.AddHours(-1))));
        var deliveryItem = await Eventually.Succeeds(
            async () => (await grid.ItemsAsync("/api/v1/exceptions?queue=delivery-exception")).Single(item => ((string)item!["subject"]!).StartsWith("shipment/SHP-OPS-2/", StringComparison.Ordinal))!,
            Deadline,
            "the delivery exception queued");
        await Eventually.Holds(async () => (await grid.ItemsAsync("/api/v1/dead-letters?partner=CARR-OPS")).Count == 1, Deadline, "the event dead-lettered");
        await grid.PostAsync("/api/v1/shipments", SampleBookings.Booking("SHP-OPS-3", "CUST-OPS", "CARR-OPS"));

        // The page is for staff only, and allows scripts, styles and fetches of its own origin only.
        using (var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = address })
        using (var response = await anonymous.GetAsync(new Uri("/ops/", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/session/sign-in?returnUrl=%2Fops%2F", response.Headers.Location?.PathAndQuery);
        }

        using (var page = await http.GetAsync(new Uri("/ops/ops.js", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        }

        var carrierKey = await grid.PostAsync("/api/v1/keys", new JsonObject { ["partner"] = "CARR-OPS", ["roles"] = new JsonArray("carrier:CARR-OPS") });
        using (var carrier = TestKeys.AdminClient(address, TimeSpan.FromSeconds(30)))
        {
            carrier.DefaultRequestHeaders.Authorization = TestKeys.Bearer((string)carrierKey["token"]!);
            using var refused = await carrier.GetAsync(new Uri("/ops/", UriKind.Relative));
            // A key whose roles may not see the page is answered as if there were none, like the API's reads.
            Assert.Equal(HttpStatusCode.NotFound, refused.StatusCode);
        }

        // In the browser.
        var artifacts = ArtifactsFolder();
        var profile = Directory.CreateTempSubdirectory("sg-chromium-");
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile.FullName, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
            BaseURL = address.ToString(),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        browser.SetDefaultTimeout((float)Deadline.TotalMilliseconds);
        SetDefaultExpectTimeout((float)Deadline.TotalMilliseconds);
        var tab = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
        var scriptErrors = new List<string>();
        tab.Console += (_, message) =>
        {
            // The browser asks for /favicon.ico by itself; nothing of the grid's serves one.
            if (message.Type == "error" && !message.Location.StartsWith(new Uri(address, "favicon.ico").ToString(), StringComparison.Ordinal))
            {
                scriptErrors.Add($"{message.Text} ({message.Location})");
            }
        };

        try
        {
            await tab.GotoAsync("/ops/");
            await Expect(tab).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/session/sign-in"));
            await tab.GetByLabel("API key").FillAsync(TestKeys.Admin);
            await tab.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Expect(tab.Locator("body[data-ready=true]")).ToBeAttachedAsync();
            await Expect(tab.Locator("#who")).ToContainTextAsync("admin");

            // Found by its purchase order: the whole story, down to the ERP document.
            await tab.GetByLabel("Find by").SelectOptionAsync("po");
            await tab.GetByLabel("Reference").FillAsync("PO-OPS-1");
            await tab.GetByRole(AriaRole.Button, new() { Name = "Find", Exact = true }).ClickAsync();
            var story = tab.Locator("#story-view");
            await Expect(story.Locator("#story-heading")).ToHaveTextAsync("Shipment SHP-OPS-1");
            await Expect(story.Locator("#story-invoices")).ToContainTextAsync(erpDocument);
            await Expect(story.Locator("#story-invoices")).ToContainTextAsync("Posted");
            await Expect(story.Locator("#story-timeline")).ToContainTextAsync("ProofOfDelivery");
            await Expect(story.Locator("#story-timeline")).ToContainTextAsync("Api");
            await Expect(story.Locator("#story-timeline")).ToContainTextAsync((string)storySteps[^1]!["traceId"]!);
            await Expect(story.Locator("#story-charges")).ToContainTextAsync("OPS-1-FS");
            await Expect(story.Locator("#story-notifications")).ToContainTextAsync("DeliveryConfirmed");
            await Expect(story.Locator("#story-notifications")).ToContainTextAsync($"Posted to the ERP as {erpDocument}.");
            await Expect(story.Locator("#story-deliveries")).ToContainTextAsync(subscription);
            await Expect(story.Locator("#story-deliveries")).ToContainTextAsync("Delivered (204)");
            await Expect(tab.Locator("#webhook-table")).ToContainTextAsync("Healthy");
            await ShootAsync(story, artifacts, "ops-story");
            await AssertAccessibleAsync(tab, "the shipment story");

            // The same search by PRO finds the same shipment.
            await tab.GetByLabel("Find by").SelectOptionAsync("pro");
            await tab.GetByLabel("Reference").FillAsync("PRO-OPS-1");
            await tab.GetByRole(AriaRole.Button, new() { Name = "Find", Exact = true }).ClickAsync();
            await Expect(story.Locator("#story-summary")).ToContainTextAsync("BOL-OPS-1");

            // The exception queues: the delivery exception resolved through the page.
            var exceptions = tab.Locator("#exceptions");
            var exceptionId = (string)deliveryItem["exceptionId"]!;
            await Expect(exceptions.Locator("#exception-table")).ToContainTextAsync("shipment/SHP-OPS-2/");
            await exceptions.ScrollIntoViewIfNeededAsync();
            await ShootAsync(exceptions, artifacts, "ops-exceptions");
            await exceptions.GetByRole(AriaRole.Button, new() { Name = $"Resolve {exceptionId}" }).ClickAsync();
            var dialog = tab.GetByRole(AriaRole.Dialog);
            await Expect(dialog).ToBeVisibleAsync();
            await AssertAccessibleAsync(tab, "the resolve dialog");
            await dialog.GetByLabel("Note").FillAsync("Replacement pallet sent; customer agreed.");
            await dialog.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
            await Expect(tab.GetByRole(AriaRole.Status)).ToHaveTextAsync($"Resolved {exceptionId}.");
            await Expect(exceptions.Locator("#exception-table")).Not.ToContainTextAsync("shipment/SHP-OPS-2/");
            // The shipment took the resolution; its queue item follows through the journal.
            await Eventually.Holds(
                async () => (await grid.ItemsAsync("/api/v1/exceptions?queue=delivery-exception&status=all"))
                    .Single(item => (string)item!["exceptionId"]! == exceptionId)!["resolution"]?.GetValue<string>() == "Replacement pallet sent; customer agreed.",
                Deadline,
                "the queue item resolved");
            Assert.Empty((await grid.GetAsync("/api/v1/shipments/SHP-OPS-2"))["openExceptions"]!.AsArray());

            // The dead letter replayed through the page, now that its shipment is booked.
            var letters = tab.Locator("#dead-letters");
            await Expect(letters).ToContainTextAsync("OPS-3-PU");
            await ShootAsync(letters, artifacts, "ops-dead-letters");
            await letters.GetByRole(AriaRole.Button, new() { Name = "Replay OPS-3-PU" }).ClickAsync();
            await Expect(tab.GetByRole(AriaRole.Status)).ToHaveTextAsync("Replay of OPS-3-PU: Replayed.");
            await Expect(letters).Not.ToContainTextAsync("OPS-3-PU");
            var letter = Assert.Single(await grid.ItemsAsync("/api/v1/dead-letters?partner=CARR-OPS&status=all"))!;
            Assert.Equal("Replayed", (string?)letter["status"]);
            var replayed = await grid.GetAsync("/api/v1/shipments/SHP-OPS-3");
            Assert.Equal("PickedUp", (string?)replayed["status"]);

            // KPIs with their daily trend, read from the read models' buckets for the story's carrier and customer.
            await tab.GetByRole(AriaRole.Button, new() { Name = "Show", Exact = true }).ClickAsync();
            await Expect(tab.Locator("#kpi-customer-table")).ToContainTextAsync(now.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            await Expect(tab.Locator("#kpi-carrier-table")).ToContainTextAsync("7 days");
            await ShootAsync(tab.Locator("#kpis"), artifacts, "ops-kpis");
            await ShootAsync(tab.Locator("#webhooks"), artifacts, "ops-webhooks");
            await AssertAccessibleAsync(tab, "the whole page");

            // The Orleans dashboard, behind the same session.
            await tab.GotoAsync("/dashboard/");
            await Expect(tab.GetByText("Silos").First).ToBeVisibleAsync();
            await ShootAsync(tab.Locator("body"), artifacts, "dashboard");

            // Signing out ends the session: the page sends the browser back to sign in.
            await tab.GotoAsync("/ops/");
            await tab.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await Expect(tab).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/session/sign-in"));
            await tab.GotoAsync("/ops/");
            await Expect(tab).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/session/sign-in\\?returnUrl=%2Fops%2F"));
            Assert.True(scriptErrors.Count == 0, string.Join(Environment.NewLine, scriptErrors));
        }
        catch
        {
            await tab.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(artifacts, "failure.png"), FullPage = true });
            throw;
        }
        finally
        {
            await browser.CloseAsync();
            profile.Delete(recursive: true);
        }
    }

    /// <summary>Fails on any serious or critical axe-core violation, naming each rule and the elements it found.</summary>
    private static async Task AssertAccessibleAsync(IPage page, string view)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(violation => violation.Impact is "serious" or "critical").ToList();
        Assert.True(
            serious.Count == 0,
            $"axe-core found in {view}: " + string.Join("; ", serious.Select(violation =>
                $"{violation.Id} ({violation.Impact}): {string.Join(", ", violation.Nodes.Select(node => node.Target.ToString()))}")));
    }

    /// <summary>Saves the element's screenshot as a test artifact, and refreshes the README's copy of the pictures it shows when asked to.</summary>
    private static async Task ShootAsync(ILocator element, string artifacts, string name)
    {
        var image = await element.ScreenshotAsync(new LocatorScreenshotOptions { Path = Path.Combine(artifacts, name + ".png") });
        if (Environment.GetEnvironmentVariable("SHIPMENTGRID_UPDATE_SCREENSHOTS") == "1" && ReadmePictures.Contains(name))
        {
            await File.WriteAllBytesAsync(Path.Combine(RepositoryLayout.Root, "docs", "images", name + ".png"), image);
        }
    }

    /// <summary>Where screenshots go: <c>SHIPMENTGRID_TEST_ARTIFACTS</c> (tools/test.sh sets it), else the test's own TestResults folder.</summary>
    private static string ArtifactsFolder()
    {
        var root = Environment.GetEnvironmentVariable("SHIPMENTGRID_TEST_ARTIFACTS") is { Length: > 0 } configured
            ? configured
            : Path.Combine(AppContext.BaseDirectory, "TestResults");
        return Directory.CreateDirectory(Path.Combine(root, "ops-page")).FullName;
    }

    private static JsonObject Event(string eventId, string shipmentId, string kind, string value, DateTimeOffset occurredAt) => new()
    {
        ["eventId"] = eventId, ["carrierId"] = "CARR-OPS", ["shipmentId"] = shipmentId, [kind] = value, ["occurredAt"] = occurredAt,
    };

    private static JsonObject Charge(string chargeId, string type, decimal amount) => new()
    {
        ["chargeId"] = chargeId, ["type"] = type, ["amount"] = new JsonObject { ["amount"] = amount, ["currency"] = "USD" },
        ["source"] = "CarrierInvoice", ["sourceReference"] = "210-OPS-1",
    };

    /// <summary>The API as the test's admin key calls it.</summary>
    private sealed class Grid(HttpClient http)
    {
        public async Task<JsonObject> PostAsync<T>(string path, T body)
        {
            using var response = await http.PostAsJsonAsync(new Uri(path, UriKind.Relative), body);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
            return JsonNode.Parse(text) as JsonObject ?? [];
        }

        public async Task<JsonObject> GetAsync(string path) =>
            await http.GetFromJsonAsync<JsonObject>(new Uri(path, UriKind.Relative)) ?? throw new InvalidOperationException($"{path} answered null");

        public async Task<JsonArray> ItemsAsync(string path) => (await GetAsync(path))["items"]!.AsArray();
    }
}
