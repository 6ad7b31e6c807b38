using System.Collections.Immutable;
using Microsoft.AspNetCore.Http.HttpResults;
using ShipmentGrid.Access;
using ShipmentGrid.Api.Endpoints;
using ShipmentGrid.Hosting.Access;
using ShipmentGrid.ReadModels;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Api.Access;

/// <summary>
/// Admins mint, list and revoke API keys. A key's token is in the answer that mints it and nowhere else. Rotation is
/// minting a second key for the same partner, moving to it, then revoking the first: both work in between.
/// </summary>
internal static class KeyEndpoints
{
    private const int MaxPartnerLength = 128;
    private const int MaxDescriptionLength = 500;
    private const int MaxRoles = 32;

    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder api)
    {
        var keys = api.MapGroup("/keys").WithTags("API keys").RequireAuthorization(AccessPolicies.Admin);
        keys.MapPost("/", MintAsync)
            .WithName("MintApiKey")
            .WithSummary("Mints an API key for a partner with a set of roles; the token is shown in this answer only.");
        keys.MapGet("/", ListAsync)
            .WithName("ListApiKeys")
            .WithSummary("Lists keys newest first, optionally of one partner (never their tokens).");
        keys.MapGet("/{keyId}", GetAsync)
            .WithName("GetApiKey")
            .WithSummary("Reads one key (never its token).");
        keys.MapDelete("/{keyId}", RevokeAsync)
            .WithName("RevokeApiKey")
            .WithSummary("Revokes a key: at once on this API process, within Auth:KeyCacheDuration (30 s) on the others.");
        return api;
    }

    private static async Task<Results<Created<MintedKeyView>, ValidationProblem>> MintAsync(
        MintKeyRequest request, IApiKeyStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(request);
        if (!errors.IsEmpty)
        {
            return Problems.Validation(errors);
        }

        var minted = ApiKeyTokens.Mint(request.Partner!, request.Roles!, request.Description, clock.GetUtcNow());
        await store.CreateAsync(minted.Key, minted.TokenHash, cancellationToken);
        return TypedResults.Created($"/api/v1/keys/{minted.Key.KeyId}", new MintedKeyView(minted.Key, minted.Token));
    }

    private static async Task<Results<Ok<Page<ApiKey>>, ValidationProblem>> ListAsync(
        string? partner, int? limit, string? after, IApiKeyStore store, CancellationToken cancellationToken)
    {
        var (page, errors) = Paging.Parse(limit, after);
        return errors.IsEmpty ? TypedResults.Ok(await store.ListAsync(partner, page, cancellationToken)) : Problems.Validation(errors);
    }

    private static async Task<Results<Ok<ApiKey>, ProblemHttpResult>> GetAsync(string keyId, IApiKeyStore store, CancellationToken cancellationToken) =>
        await store.FindAsync(keyId, cancellationToken) is { } stored ? TypedResults.Ok(stored.Key) : Problems.NotFound("api-key", keyId);

    private static async Task<Results<Ok<ApiKey>, ProblemHttpResult>> RevokeAsync(
        string keyId, IApiKeyStore store, ApiKeyAuthenticator authenticator, TimeProvider clock, CancellationToken cancellationToken)
    {
        var revoked = await store.RevokeAsync(keyId, clock.GetUtcNow(), cancellationToken);
        authenticator.Forget(keyId);
        return revoked is null ? Problems.NotFound("api-key", keyId) : TypedResults.Ok(revoked);
    }

    private static ImmutableDictionary<string, ImmutableArray<string>> Validate(MintKeyRequest request)
    {
        var errors = new FieldErrors();
        errors.Key("partner", request.Partner, MaxPartnerLength);
        if (request.Roles is not { Length: > 0 and <= MaxRoles } roles)
        {
            errors.Add("roles", $"Give 1 to {MaxRoles} roles.");
        }
        else
        {
            foreach (var role in roles.Where(role => role is null || !GridRoles.IsValid(role)))
            {
                errors.Add("roles", $"'{role}' is not a role: use admin, operations, finance, customer-service, metrics, carrier:<id> or customer:<id>.");
            }
        }

        errors.Text("description", request.Description, MaxDescriptionLength, required: false);

        return errors.ToImmutable();
    }
}

/// <summary>A key to mint: the partner it is for (several keys per partner allow rotation), its roles, a note.</summary>
internal sealed record MintKeyRequest(string? Partner, string?[]? Roles, string? Description);

/// <summary>The minted key and its token: store the token now, it is not shown again.</summary>
internal sealed record MintedKeyView(ApiKey Key, string Token);
