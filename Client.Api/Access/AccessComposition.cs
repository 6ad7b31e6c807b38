using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ShipmentGrid.Access;
using ShipmentGrid.Hosting.Access;
using ShipmentGrid.Hosting.Observability;
using ShipmentGrid.Observability;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// Governed access, assembled from ASP.NET Core's parts: a bearer API-key scheme for programs, a cookie session for
/// people (antiforgery on every form post and on every cookie-authenticated change), role policies, per-key rate
/// limits, and the caller carried into every grain call.
/// </summary>
internal static class AccessComposition
{
    private const string GridScheme = "Grid";
    private const string AntiforgeryHeader = "X-CSRF-TOKEN";

    public static IServiceCollection AddGridAccess(this IServiceCollection services, IConfiguration configuration, bool embedded)
    {
        services.AddOptions<AccessOptions>().Bind(configuration.GetSection(AccessOptions.Section));
        services.TryAddSingleton<IApiKeyStore, InMemoryApiKeyStore>();
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddSingleton<RateLimits>();
        if (embedded)
        {
            services.AddHostedService<EmbeddedAdminKey>();
        }

        services.AddAuthentication(GridScheme)
            .AddPolicyScheme(GridScheme, "API key or browser session", options => options.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.Count > 0 ? ApiKeyAuthenticationHandler.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieAuthenticationDefaults.AuthenticationScheme, options =>
            {
                options.Cookie.Name = "sg-session";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.SlidingExpiration = true;
                options.LoginPath = SessionEndpoints.SignInPath;
                options.ReturnUrlParameter = "returnUrl";
                options.Events.OnRedirectToLogin = context => IsApi(context.Request)
                    ? ChallengeApiAsync(context.HttpContext)
                    : RedirectAsync(context);
                options.Events.OnRedirectToAccessDenied = context =>
                    AccessProblems.WriteForbiddenAsync(context.HttpContext, context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>());
                options.Events.OnValidatePrincipal = async context =>
                {
                    var keyId = context.Principal?.FindFirst(GridClaims.KeyId)?.Value;
                    var keys = context.HttpContext.RequestServices.GetRequiredService<ApiKeyAuthenticator>();
                    if (keyId is null || !await keys.IsActiveAsync(keyId, GridClaims.ClientOf(context.HttpContext), context.HttpContext.RequestAborted))
                    {
                        context.RejectPrincipal();
                        await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                    }
                };
            });
        services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme)
            .Configure<IOptions<AccessOptions>>((cookie, access) => cookie.ExpireTimeSpan = access.Value.SessionIdleTimeout);
        services.AddAuthorizationBuilder().AddGridPolicies();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, NotFoundForUnreadable>();
        services.AddAntiforgery(options =>
        {
            options.HeaderName = AntiforgeryHeader;
            options.Cookie.Name = "sg-antiforgery";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.HttpOnly = true;
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .Configure<IOptions<AccessOptions>>((limiter, access) => RateLimits.Configure(limiter, access.Value));
        return services;
    }

    public static WebApplication UseGridAccess(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseAntiforgery();
        app.Use(async (context, next) =>
        {
            if (GridClaims.CallerOf(context.User) is not { } caller)
            {
                await next(context);
                return;
            }

            if (RequiresSessionAntiforgery(context)
                && !await context.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(context))
            {
                context.Response.StatusCode = StatusCodes.Status400BadRequest;
                await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = context,
                    ProblemDetails =
                    {
                        Status = StatusCodes.Status400BadRequest,
                        Title = $"A change made with a browser session needs the antiforgery token in the {AntiforgeryHeader} header.",
                        Type = "https://shipment-grid.dev/problems/antiforgery",
                    },
                });
                return;
            }

            // The request's log events name the key's partner; its span, the carrier a carrier's key acts for.
            caller.Attach();
            System.Diagnostics.Activity.Current.Tag(GridTracing.PartnerAttribute, caller.CarrierIds.Length == 1 ? caller.CarrierIds[0] : null);
            try
            {
                using (Serilog.Context.LogContext.PushProperty(GrainLogContext.PartnerProperty, context.User.FindFirst(GridClaims.Partner)?.Value))
                {
                    await next(context);
                }
            }
            finally
            {
                Caller.Detach();
            }
        });
        return app;
    }

    /// <summary>A change (not a safe method) authenticated by the session cookie, on a route that is not a checked form post.</summary>
    private static bool RequiresSessionAntiforgery(HttpContext context) =>
        context.User.Identity?.AuthenticationType == CookieAuthenticationDefaults.AuthenticationScheme
        && !(HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)
            || HttpMethods.IsOptions(context.Request.Method) || HttpMethods.IsTrace(context.Request.Method))
        && context.GetEndpoint()?.Metadata.GetMetadata<IAntiforgeryMetadata>() is not { RequiresValidation: true };

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/api");

    private static Task ChallengeApiAsync(HttpContext context) =>
        context.ChallengeAsync(ApiKeyAuthenticationHandler.SchemeName);

    private static Task RedirectAsync(RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }

    /// <summary>
    /// A request its roles do not allow: 404 for reads (as if it did not exist), for a route naming another tenant and
    /// for a key that reads nothing of the API (a metrics key), 403 for other changes; 401 without a key.
    /// </summary>
    private sealed class NotFoundForUnreadable(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
    {
        private readonly Microsoft.AspNetCore.Authorization.Policy.AuthorizationMiddlewareResultHandler fallback = new();

        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, Microsoft.AspNetCore.Authorization.Policy.PolicyAuthorizationResult authorizeResult) =>
            !authorizeResult.Forbidden || !IsApi(context.Request)
                ? fallback.HandleAsync(next, context, policy, authorizeResult)
                : TenantScope.Denied(context) is { } notFound
                    ? notFound.ExecuteAsync(context)
                    : AccessProblems.WriteForbiddenAsync(context, problems, readsNothing: GridClaims.CallerOf(context.User) is not { ReadsApi: true });
    }
}
