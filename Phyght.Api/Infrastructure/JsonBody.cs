using System.Text.Json;

namespace Phyght.Api.Infrastructure;

/// <summary>Reads a request body as raw JSON, for endpoints that validate field by field (and document their body
/// with <c>Accepts&lt;T&gt;</c>). Malformed JSON is the client's error: a 400, never a 500.</summary>
public static class JsonBody
{
    public static async Task<JsonElement?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ValidationProblem Invalid() => Problems.Validation("body", "The request body is not valid JSON.");
}
