using Microsoft.OpenApi;

namespace Phyght.Api.Infrastructure;

/// <summary>
/// The OpenAPI schema of a body an endpoint reads as raw JSON (to tell an explicit null from an absent field, and to
/// answer a wrong type with a field-level 400): declared beside its parser, from the parser's own field names and
/// limits, so the document cannot describe a field the parser does not read.
/// </summary>
public static class JsonBodySchema
{
    public static RouteHandlerBuilder AcceptsJsonBody(this RouteHandlerBuilder endpoint, Func<OpenApiSchema> schema) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = schema() } },
            };
            return Task.CompletedTask;
        });

    public static OpenApiSchema Object(IEnumerable<string> required, params (string Name, OpenApiSchema Schema)[] properties) => new()
    {
        Type = JsonSchemaType.Object,
        Properties = properties.ToDictionary(p => p.Name, p => (IOpenApiSchema)p.Schema),
        Required = required.ToHashSet(),
    };

    public static OpenApiSchema Text(int maxLength, bool nullable = false, int minLength = 0) => new()
    {
        Type = nullable ? JsonSchemaType.String | JsonSchemaType.Null : JsonSchemaType.String,
        MaxLength = maxLength,
        MinLength = minLength > 0 ? minLength : null,
    };

    public static OpenApiSchema Flag() => new() { Type = JsonSchemaType.Boolean };

    public static OpenApiSchema Uuid() => new() { Type = JsonSchemaType.String, Format = "uuid" };

    public static OpenApiSchema Integer(long minimum, long maximum) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int64",
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static OpenApiSchema ArrayOf(OpenApiSchema items, int maxItems, bool nullable = false) => new()
    {
        Type = nullable ? JsonSchemaType.Array | JsonSchemaType.Null : JsonSchemaType.Array,
        Items = items,
        MaxItems = maxItems,
    };

    /// <summary>A vector clock or an op's context: actor → seq.</summary>
    public static OpenApiSchema Clock(int maxEntries, bool nullable = true) => new()
    {
        Type = nullable ? JsonSchemaType.Object | JsonSchemaType.Null : JsonSchemaType.Object,
        AdditionalProperties = Integer(0, Phyght.Core.Crdt.OperationRules.MaxSafeInteger),
        MaxProperties = maxEntries,
    };
}
