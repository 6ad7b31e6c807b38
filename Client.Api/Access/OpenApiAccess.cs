using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace ShipmentGrid.Api.Access;

/// <summary>The OpenAPI document declares the bearer API-key scheme and, on each operation, the scheme and the roles it takes.</summary>
internal static class OpenApiAccess
{
    private const string SchemeName = "ApiKey";

    public static OpenApiOptions AddGridSecurity(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "API key",
                Description = "An API key minted by an admin (POST /api/v1/keys, or `Silo mint-key`): Authorization: Bearer sgk_...",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            if (metadata.OfType<IAllowAnonymous>().Any())
            {
                return Task.CompletedTask;
            }

            var roles = metadata.OfType<IAuthorizeData>()
                .Select(data => data.Policy)
                .OfType<string>()
                .LastOrDefault(policy => policy != AccessPolicies.Partner) is { } policy && AccessPolicies.Described.TryGetValue(policy, out var described)
                    ? described
                    : AccessPolicies.Described[AccessPolicies.Partner];
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] });
            operation.Description = (operation.Description is { Length: > 0 } text ? text + "\n\n" : string.Empty) + $"Roles: {roles}.";
            operation.Extensions ??= new Dictionary<string, IOpenApiExtension>();
            operation.Extensions["x-roles"] = new JsonNodeExtension(JsonValue.Create(roles));
            return Task.CompletedTask;
        });
        return options;
    }
}
