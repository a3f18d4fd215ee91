using System.Text.Json;
using Microsoft.OpenApi;
using Phyght.Api.Infrastructure;

namespace Phyght.Api.Uploads;

/// <summary><c>POST /videos-upload/sessions</c>: <c>{"videoId","size","file_name"?,"content_type"?}</c>, read and
/// documented from the same field names and limits.</summary>
public sealed record UploadSessionRequest(Guid VideoId, long Size, string? FileName)
{
    public const string VideoIdField = "videoId";
    public const string SizeField = "size";
    public const string FileNameField = "file_name";
    public const string ContentTypeField = "content_type";
    public const int MaxTextLength = 255;

    public static UploadSessionRequest? Parse(JsonElement body, out Dictionary<string, string[]> errors)
    {
        errors = [];
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["A JSON object."];
            return null;
        }
        Guid videoId = default;
        if (!body.TryGetProperty(VideoIdField, out var id) || id.ValueKind != JsonValueKind.String || !id.TryGetGuid(out videoId))
        {
            errors[VideoIdField] = ["Required: the video's UUID."];
        }
        long size = 0;
        if (!body.TryGetProperty(SizeField, out var sizeValue) || sizeValue.ValueKind != JsonValueKind.Number || !sizeValue.TryGetInt64(out size) || size <= 0)
        {
            errors[SizeField] = ["Required: the file's length in bytes, at least 1."];
        }
        var fileName = Text(body, FileNameField, errors);
        Text(body, ContentTypeField, errors);
        return errors.Count == 0 ? new UploadSessionRequest(videoId, size, fileName) : null;
    }

    private static string? Text(JsonElement body, string field, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: <= MaxTextLength } text
            || !TextRules.IsValidUnicode(value) || TextRules.HasControlCharacters(value))
        {
            errors[field] = [$"Text of at most {MaxTextLength} characters. {TextRules.ControlCharacterMessage}"];
            return null;
        }
        return text;
    }

    public static OpenApiSchema BodySchema(long maxSize) => JsonBodySchema.Object(
        [VideoIdField, SizeField],
        (VideoIdField, JsonBodySchema.Uuid()),
        (SizeField, JsonBodySchema.Integer(1, maxSize)),
        (FileNameField, JsonBodySchema.Text(MaxTextLength, nullable: true)),
        (ContentTypeField, JsonBodySchema.Text(MaxTextLength, nullable: true)));
}
