using Microsoft.OpenApi;

namespace Phyght.Api.Infrastructure;

/// <summary>
/// The OpenAPI schema of a body an endpoint reads as raw JSON (to tell an explicit null from an absent field, and to
/// answer a wrong type with a field-level 400), or of query parameters it reads as text for the same reason: declared
/// beside its parser, from the parser's own field names and limits, so the document cannot describe a field the parser
/// does not read.
/// </summary>
public static class JsonBodySchema
{
    public static RouteHandlerBuilder AcceptsJsonBody(this RouteHandlerBuilder endpoint, Func<OpenApiSchema> schema) =>
        endpoint.AcceptsBody("application/json", schema);

    public static RouteHandlerBuilder AcceptsBody(this RouteHandlerBuilder endpoint, string contentType, Func<OpenApiSchema> schema) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = schema() } },
            };
            return Task.CompletedTask;
        });

    /// <summary>Query (or path) parameters a handler reads as text and parses itself (for the same field-level 400s):
    /// their types and limits replace the generator's plain strings.</summary>
    public static RouteHandlerBuilder DescribesParameters(this RouteHandlerBuilder endpoint, Func<IEnumerable<OpenApiParameter>> parameters) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var parameter in parameters())
            {
                var index = operation.Parameters.ToList().FindIndex(p => p.In == parameter.In && p.Name == parameter.Name);
                if (index >= 0)
                {
                    operation.Parameters[index] = parameter;
                }
                else
                {
                    operation.Parameters.Add(parameter);
                }
            }
            return Task.CompletedTask;
        });

    public static OpenApiParameter Query(string name, OpenApiSchema schema, string description, bool required = false) => new()
    {
        Name = name,
        In = ParameterLocation.Query,
        Required = required,
        Description = description,
        Schema = schema,
    };

    public static OpenApiParameter Path(string name, OpenApiSchema schema, string description) => new()
    {
        Name = name,
        In = ParameterLocation.Path,
        Required = true,
        Description = description,
        Schema = schema,
    };

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

    public static OpenApiSchema OneOf(IEnumerable<string> names) => new()
    {
        Type = JsonSchemaType.String,
        Enum = [.. names.Select(n => (System.Text.Json.Nodes.JsonNode)n)],
    };

    public static OpenApiSchema Binary() => new() { Type = JsonSchemaType.String, Format = "binary" };

    public static OpenApiSchema Uuid() => new() { Type = JsonSchemaType.String, Format = "uuid" };

    public static OpenApiSchema Integer(long minimum, long maximum) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int64",
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    public static OpenApiSchema Integer(int minimum, int maximum, int @default) => new()
    {
        Type = JsonSchemaType.Integer,
        Format = "int32",
        Minimum = minimum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Maximum = maximum.ToString(System.Globalization.CultureInfo.InvariantCulture),
        Default = @default,
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
