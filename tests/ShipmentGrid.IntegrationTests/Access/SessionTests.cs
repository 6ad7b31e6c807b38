using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using ShipmentGrid.IntegrationTests.Api;
using ShipmentGrid.IntegrationTests.Infrastructure;

namespace ShipmentGrid.IntegrationTests.Access;

/// <summary>People sign in with a key for an HttpOnly, SameSite=Strict session; every change they make carries an antiforgery token.</summary>
public sealed partial class SessionTests(EmbeddedApiFactory factory) : IClassFixture<EmbeddedApiFactory>
{
    private readonly HttpClient admin = factory.CreateClient();

    [Fact]
    public async Task A_key_signs_in_to_the_admin_only_dashboard_and_a_form_without_its_antiforgery_token_is_refused()
    {
        using var browser = Browser();
        using var redirected = await browser.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.Equal("/session/sign-in", redirected.Headers.Location?.AbsolutePath);

        var antiforgery = await SignInPageTokenAsync(browser);
        using (var forged = await browser.PostAsync(new Uri("/session", UriKind.Relative), Form(("key", TestKeys.Admin), ("returnUrl", "/dashboard/"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
            Assert.DoesNotContain(forged.Headers, header => header.Key == "Set-Cookie" && header.Value.Any(v => v.StartsWith("sg-session=", StringComparison.Ordinal)));
        }

        using (var wrongKey = await browser.PostAsync(new Uri("/session", UriKind.Relative), Form(("__RequestVerificationToken", antiforgery), ("key", "sgk_not-a-key"))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        }

        using var signedIn = await browser.PostAsync(
            new Uri("/session", UriKind.Relative),
            Form(("__RequestVerificationToken", antiforgery), ("key", TestKeys.Admin), ("returnUrl", "https://evil.example/steal")));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);
        Assert.Equal("/dashboard/", signedIn.Headers.Location?.OriginalString);
        var cookie = Assert.Single(signedIn.Headers.GetValues("Set-Cookie"), value => value.StartsWith("sg-session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var dashboard = await browser.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
    }

    [Fact]
    public async Task A_session_change_needs_the_antiforgery_header_a_non_admin_sees_no_dashboard_and_revoking_the_key_ends_the_session()
    {
        var key = await MintAsync("operations");
        using var browser = Browser();
        await SignInAsync(browser, key.Token);

        using var dashboard = await browser.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, dashboard.StatusCode);

        var session = await browser.GetFromJsonAsync<JsonObject>(new Uri("/session", UriKind.Relative));
        Assert.Equal((key.KeyId, "operations"), ((string?)session!["keyId"], (string?)session["roles"]![0]));
        using (var withoutToken = await browser.PostAsJsonAsync(new Uri("/api/v1/customers", UriKind.Relative), SampleBookings.Customer("C-SESSION")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, withoutToken.StatusCode);
            Assert.Contains("antiforgery", await withoutToken.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using (var withToken = new HttpRequestMessage(HttpMethod.Post, "/api/v1/customers") { Content = JsonContent.Create(SampleBookings.Customer("C-SESSION")) })
        {
            withToken.Headers.Add((string)session["antiforgeryHeader"]!, (string)session["antiforgeryToken"]!);
            using var registered = await browser.SendAsync(withToken);
            Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        }

        using (var revoked = await admin.DeleteAsync(new Uri($"/api/v1/keys/{key.KeyId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        }

        using var afterRevocation = await browser.GetAsync(new Uri("/api/v1/customers/C-SESSION", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, afterRevocation.StatusCode);
    }

    [Fact]
    public async Task Signing_out_needs_the_antiforgery_token_and_ends_the_session()
    {
        using var browser = Browser();
        await SignInAsync(browser, TestKeys.Admin);
        using (var forged = await browser.PostAsync(new Uri("/session/sign-out", UriKind.Relative), Form(("returnUrl", "/dashboard/"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        }

        var session = await browser.GetFromJsonAsync<JsonObject>(new Uri("/session", UriKind.Relative));
        using var signedOut = await browser.PostAsync(
            new Uri("/session/sign-out", UriKind.Relative), Form(("__RequestVerificationToken", (string)session!["antiforgeryToken"]!)));
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        using var dashboard = await browser.GetAsync(new Uri("/dashboard/", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, dashboard.StatusCode);
    }

    [Fact]
    public async Task The_api_description_and_its_reference_page_are_public_and_declare_the_key_scheme_and_roles()
    {
        using var anonymous = Browser();
        var document = await anonymous.GetFromJsonAsync<JsonObject>(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Equal("bearer", (string?)document!["components"]!["securitySchemes"]!["ApiKey"]!["scheme"]);
        var register = document["paths"]!["/api/v1/customers"]!["post"]!;
        Assert.Equal("admin, operations", (string?)register["x-roles"]);
        Assert.NotNull(register["security"]![0]!["ApiKey"]);

        using var reference = await anonymous.GetAsync(new Uri("/reference/", UriKind.Relative));
        Assert.True(reference.StatusCode == HttpStatusCode.OK, $"{reference.StatusCode} {reference.Headers.Location}");
        var page = await reference.Content.ReadAsStringAsync();
        Assert.DoesNotMatch(ExternalAsset(), page);
    }

    private HttpClient Browser()
    {
        var browser = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        browser.DefaultRequestHeaders.Authorization = null;
        return browser;
    }

    private static async Task<string> SignInPageTokenAsync(HttpClient browser)
    {
        var page = await browser.GetStringAsync(new Uri("/session/sign-in?returnUrl=/dashboard/", UriKind.Relative));
        Assert.Contains("<label for=\"key\">", page, StringComparison.Ordinal);
        return AntiforgeryField().Match(page).Groups[1].Value;
    }

    private static async Task SignInAsync(HttpClient browser, string key)
    {
        var antiforgery = await SignInPageTokenAsync(browser);
        using var signedIn = await browser.PostAsync(new Uri("/session", UriKind.Relative), Form(("__RequestVerificationToken", antiforgery), ("key", key)));
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
    }

    private static FormUrlEncodedContent Form(params (string Name, string Value)[] fields) =>
        new(fields.Select(field => KeyValuePair.Create(field.Name, field.Value)));

    private async Task<(string KeyId, string Token)> MintAsync(string role)
    {
        using var response = await admin.PostAsJsonAsync(new Uri("/api/v1/keys", UriKind.Relative), new { partner = "session-" + role, roles = new[] { role } });
        var body = await response.Content.ReadFromJsonAsync<JsonObject>();
        return ((string)body!["key"]!["keyId"]!, (string)body["token"]!);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("(src|href)=\"https?://", RegexOptions.IgnoreCase)]
    private static partial Regex ExternalAsset();
}
