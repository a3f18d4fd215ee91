namespace Phyght.Api.Videos;

// What the OpenAPI document shows for bodies the endpoints read as raw JSON (to tell an explicit null from an absent
// field, and to answer a wrong type with a field-level 400 instead of a deserialization failure).

/// <summary><c>POST /videos</c>: <c>title</c> required.</summary>
public sealed record CreateVideoRequest(string Title, string? Description, string? Category, IReadOnlyList<string>? Tags, bool? IsFeatured);

/// <summary><c>PUT /videos-update/{id}</c>: any subset of the fields; <c>vector_clock</c> to refuse a stale edit (409).</summary>
public sealed record UpdateVideoRequest(
    string? Title,
    string? Description,
    string? Category,
    IReadOnlyList<string>? Tags,
    bool? IsFeatured,
    IReadOnlyDictionary<string, long>? VectorClock,
    long? Version);
