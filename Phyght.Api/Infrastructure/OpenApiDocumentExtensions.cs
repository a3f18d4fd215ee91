using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Phyght.Api.Infrastructure;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c> (clients/js generates its types from it): what holds for every
/// operation rather than one endpoint. Who needs a token (read from the endpoint's authorization metadata), and the
/// problem answers the pipeline itself gives (401/403 from authorization, 413 and 415 from body reading, 429 from the
/// rate limiter, 503 from the database). Endpoints document what only their handler answers.
/// </summary>
public static class OpenApiDocumentExtensions
{
    public const string BearerScheme = "bearer";
    private const string ProblemJson = "application/problem+json";

    private static readonly Dictionary<string, string> TagDescriptions = new()
    {
        ["Auth"] = "Accounts and tokens: sign up, sign in, refresh (the old refresh token stops working).",
        ["Profiles"] = "The caller's own profile, and roles (admin only).",
        ["Videos"] = "The catalogue: list, read, create, update, delete; anonymous callers and role user see only ready videos.",
        ["Uploads"] = "Files of a video: a multipart upload through the API, or a direct, resumable upload to blob storage.",
        ["Sync"] = "Offline-first editing of a video's metadata with CRDT operations (crdt.md).",
    };

    /// <summary>The shared problem responses, as <c>#/components/responses/{name}</c>.</summary>
    private static readonly (string Name, string Status, string Description, bool RetryAfter)[] SharedProblems =
    [
        ("Unauthorized", "401", "No token, or a token that is invalid or expired.", false),
        ("Forbidden", "403", "The caller's role does not allow this.", false),
        ("ContentTooLarge", "413", "The body is larger than the server accepts (JSON bodies: 1 MB).", false),
        ("UnsupportedMediaType", "415", "The body is not application/json.", false),
        ("TooManyRequests", "429", "Rate limited; retry after Retry-After seconds.", true),
        ("ServiceUnavailable", "503", "The database is busy or restarting; nothing was changed. Retry after Retry-After seconds.", true),
    ];

    public static IServiceCollection AddApiDocument(this IServiceCollection services) => services.AddOpenApi(options =>
    {
        options.AddSchemaTransformer(DescribeSchemaAsync);
        options.AddOperationTransformer(DescribeFromMetadata);
        options.AddDocumentTransformer(DescribeDocumentAsync);
    });

    /// <summary>Anonymous callers are served too, but a token changes the answer (staff see more): security
    /// <c>[{}, {bearer: []}]</c>.</summary>
    public static RouteHandlerBuilder WithOptionalToken(this RouteHandlerBuilder endpoint) => endpoint.WithMetadata(new OptionalToken());

    private sealed record OptionalToken;

    private static Task DescribeSchemaAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        // The web JSON defaults also read numbers from strings, so the generator types every number as number | string;
        // the API writes numbers, and clients should send them.
        if (schema.Type is { } type && type.HasFlag(JsonSchemaType.String)
            && (type.HasFlag(JsonSchemaType.Integer) || type.HasFlag(JsonSchemaType.Number)))
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }
        if (context.JsonPropertyInfo is null && typeof(ProblemDetails).IsAssignableFrom(context.JsonTypeInfo.Type))
        {
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
            schema.Properties["error"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The same text as detail." };
            schema.Properties["trace_id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The W3C trace id of the request." };
        }
        return Task.CompletedTask;
    }

    private static Task DescribeFromMetadata(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var document = context.Document!;
        var bearer = new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] };
        if (metadata.OfType<IAuthorizeData>().Any() && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [bearer];
            AddShared(operation, "Unauthorized", document);
            AddShared(operation, "Forbidden", document);
        }
        else if (metadata.OfType<OptionalToken>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement(), bearer];
        }
        else
        {
            operation.Security = [];
        }
        // A bound body is read by the framework, which refuses any other content type.
        if (context.Description.ParameterDescriptions.Any(p => p.Source == BindingSource.Body))
        {
            AddShared(operation, "UnsupportedMediaType", document);
        }
        return Task.CompletedTask;
    }

    private static async Task DescribeDocumentAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Phyght API",
            Version = "1.0.0",
            Description = "Phyght's video catalogue: videos, their uploads, and offline-first metadata sync. Errors are RFC 9457 "
                + "problem details with an error member equal to detail. Live changes come over the SignalR hub at /realtime, "
                + "which this document does not describe.",
        };
        // The generator names the host the document was requested from; a relative server keeps the document the same
        // on every instance and port (clients/js/openapi.json is compared with it).
        document.Servers = [new OpenApiServer { Url = "/", Description = "The origin this document is served from." }];
        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description ??= TagDescriptions.GetValueOrDefault(tag.Name ?? "");
        }

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "An access_token from POST /auth/token or /auth/refresh (or from a configured external issuer).",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(nameof(ProblemDetails)))
        {
            document.AddComponent(nameof(ProblemDetails), await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, ct));
        }
        document.Components.Responses ??= new Dictionary<string, IOpenApiResponse>();
        foreach (var (name, _, description, retryAfter) in SharedProblems)
        {
            document.Components.Responses[name] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType> { [ProblemJson] = new() { Schema = new OpenApiSchemaReference(nameof(ProblemDetails), document) } },
                Headers = retryAfter ? new Dictionary<string, IOpenApiHeader> { ["Retry-After"] = RetryAfter() } : null,
            };
        }

        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values ?? Enumerable.Empty<OpenApiOperation>()))
        {
            operation.Responses ??= [];
            if (operation.RequestBody is not null)
            {
                AddShared(operation, "ContentTooLarge", document);
            }
            // Every request counts against the global rate limit, and every one reads the database.
            AddShared(operation, "TooManyRequests", document);
            AddShared(operation, "ServiceUnavailable", document);
            foreach (var (status, response) in operation.Responses)
            {
                if (status is "201" or "302" && response is OpenApiResponse concrete)
                {
                    concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                    concrete.Headers["Location"] = new OpenApiHeader
                    {
                        Description = status == "201" ? "Where the created resource is read." : "The file's signed URL.",
                        Required = true,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uri-reference" },
                    };
                }
            }
        }
    }

    private static OpenApiHeader RetryAfter() => new()
    {
        Description = "Seconds to wait before retrying.",
        Required = true,
        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer, Minimum = "1" },
    };

    private static void AddShared(OpenApiOperation operation, string name, OpenApiDocument document)
    {
        var status = SharedProblems.Single(p => p.Name == name).Status;
        operation.Responses ??= [];
        operation.Responses.TryAdd(status, new OpenApiResponseReference(name, document));
    }
}
