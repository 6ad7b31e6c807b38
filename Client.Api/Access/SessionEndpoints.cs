using System.Net;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Mvc;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// Sign-in for people: a page where a key is exchanged for an HttpOnly, SameSite=Strict session cookie, and sign-out.
/// Both forms carry an antiforgery token that ASP.NET Core's antiforgery middleware checks; revoking the key ends
/// the session (the cookie is re-checked against the key store on every request).
/// </summary>
internal static class SessionEndpoints
{
    public const string SignInPath = "/session/sign-in";
    private const string DefaultReturnUrl = "/dashboard/";

    public static IEndpointRouteBuilder MapSessions(this IEndpointRouteBuilder endpoints)
    {
        var session = endpoints.MapGroup("/session").WithTags("Sessions").ExcludeFromDescription();
        session.MapGet("/sign-in", SignInPage).AllowAnonymous();
        session.MapPost("/", SignInAsync).AllowAnonymous();
        session.MapPost("/sign-out", SignOutAsync).AllowAnonymous();
        session.MapGet("/", (HttpContext context, IAntiforgery antiforgery) =>
        {
            var caller = context.Caller();
            var tokens = antiforgery.GetAndStoreTokens(context);
            return TypedResults.Ok(new SessionView(
                caller.KeyId, context.User.FindFirst(GridClaims.Partner)?.Value ?? string.Empty, [.. caller.Roles], tokens.HeaderName, tokens.RequestToken));
        });
        return endpoints;
    }

    private static IResult SignInPage(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        Page(context, antiforgery, LocalOrDefault(returnUrl), error: null, StatusCodes.Status200OK);

    private static async Task<IResult> SignInAsync(
        HttpContext context, IAntiforgery antiforgery, ApiKeyAuthenticator keys, [FromForm] SignInForm? form)
    {
        var returnUrl = LocalOrDefault(form?.ReturnUrl);
        if (form?.Key is not { Length: > 0 and <= 256 } token
            || await keys.AuthenticateAsync(token.Trim(), GridClaims.ClientOf(context), context.RequestAborted) is not { } key)
        {
            return Page(context, antiforgery, returnUrl, "That key is not valid or was revoked.", StatusCodes.Status401Unauthorized);
        }

        await context.SignInAsync(CookieAuthenticationDefaults.AuthenticationScheme, GridClaims.PrincipalOf(key, CookieAuthenticationDefaults.AuthenticationScheme));
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, [FromForm] SignOutForm? form)
    {
        await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return Results.Redirect(SignInPath + (form?.ReturnUrl is { } back ? "?returnUrl=" + Uri.EscapeDataString(LocalOrDefault(back)) : string.Empty));
    }

    /// <summary>Only a path on this site: never an open redirect to another host.</summary>
    private static string LocalOrDefault(string? url) =>
        url is { Length: > 0 and <= 512 } && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) && !url.Any(char.IsControl)
            ? url
            : DefaultReturnUrl;

    private static IResult Page(HttpContext context, IAntiforgery antiforgery, string returnUrl, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var message = error is null ? string.Empty : $"""<p role="alert" class="error">{WebUtility.HtmlEncode(error)}</p>""";
        var html = $$"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>Sign in · Shipment Grid</title>
              <style>
                body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; padding: 0 1rem; color: #1b1b1b; }
                label { display: block; margin: 1rem 0 .25rem; font-weight: 600; }
                input[type=password] { width: 100%; padding: .5rem; font: inherit; box-sizing: border-box; }
                button { margin-top: 1rem; padding: .5rem 1.25rem; font: inherit; }
                .error { color: #a40000; }
              </style>
            </head>
            <body>
              <main>
                <h1>Shipment Grid</h1>
                <p>Sign in with an API key. The key is exchanged for a session cookie and is not stored in the browser.</p>
                {{message}}
                <form method="post" action="/session">
                  <input type="hidden" name="{{WebUtility.HtmlEncode(tokens.FormFieldName)}}" value="{{WebUtility.HtmlEncode(tokens.RequestToken)}}">
                  <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(returnUrl)}}">
                  <label for="key">API key</label>
                  <input id="key" name="key" type="password" autocomplete="off" required>
                  <button type="submit">Sign in</button>
                </form>
              </main>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8", statusCode: status);
    }
}

/// <summary>The sign-in form's fields (every one optional in binding, so a bad form gets the page again, not a binding error).</summary>
internal sealed class SignInForm
{
    public string? Key { get; init; }

    public string? ReturnUrl { get; init; }
}

internal sealed class SignOutForm
{
    public string? ReturnUrl { get; init; }
}

/// <summary>Who is signed in, and the antiforgery token a page sends in <see cref="AntiforgeryHeader"/> with every change.</summary>
internal sealed record SessionView(string KeyId, string Partner, string[] Roles, string? AntiforgeryHeader, string? AntiforgeryToken);
