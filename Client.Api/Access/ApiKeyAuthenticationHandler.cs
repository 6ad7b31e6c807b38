using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// The <c>Authorization: Bearer &lt;API key&gt;</c> scheme. No header is no result (the challenge answers 401); a
/// token that is malformed, unknown or revoked fails. Tokens are never logged: failures name no token.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyAuthenticator keys,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const string BearerPrefix = "Bearer ";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var key = await keys.AuthenticateAsync(header[BearerPrefix.Length..].Trim(), GridClaims.ClientOf(Context), Context.RequestAborted);
        return key is null
            ? AuthenticateResult.Fail("The API key is not valid or was revoked.")
            : AuthenticateResult.Success(new AuthenticationTicket(GridClaims.PrincipalOf(key, SchemeName), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var failed = (await HandleAuthenticateOnceSafeAsync()).Failure is not null;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = failed ? "Bearer error=\"invalid_token\"" : "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails =
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = failed ? "The API key is not valid or was revoked." : "Send an API key: Authorization: Bearer <key>.",
                Type = "https://shipment-grid.dev/problems/unauthenticated",
            },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        await AccessProblems.WriteForbiddenAsync(Context, problems);
}
