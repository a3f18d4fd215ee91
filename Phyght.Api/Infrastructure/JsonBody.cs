using System.Text.Json;

namespace Phyght.Api.Infrastructure;

/// <summary>Reads a request body as raw JSON, for endpoints that validate field by field (and document their body
/// with <see cref="JsonBodySchema"/>). Malformed JSON, and text that is not valid Unicode (a lone surrogate escape such as
/// <c>"\ud800"</c>, which no string can hold), are the client's error: a 400, never a 500. The body's size is capped
/// by the server (<see cref="ApiOptions.MaxJsonBodyBytes"/>) and its depth by the parser, so this is linear and bounded.</summary>
public static class JsonBody
{
    public static async Task<JsonElement?> ReadAsync(HttpRequest request, CancellationToken ct)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: ct);
            return TextRules.IsValidUnicode(document.RootElement) ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ValidationProblem Invalid() =>
        Problems.Validation("body", "The request body is not valid JSON, or holds text that is not valid Unicode.");
}
