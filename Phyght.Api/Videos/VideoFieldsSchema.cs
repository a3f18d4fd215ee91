using Microsoft.OpenApi;
using Phyght.Core.Crdt;
using static Phyght.Api.Infrastructure.JsonBodySchema;

namespace Phyght.Api.Videos;

public sealed partial class VideoFields
{
    /// <summary><c>POST /videos</c> (<paramref name="titleRequired"/>) and <c>PUT /videos-update/{id}</c> (any subset;
    /// <c>vector_clock</c> refuses a stale edit with 409) as <see cref="Parse"/> reads them.</summary>
    public static OpenApiSchema BodySchema(bool titleRequired)
    {
        (string, OpenApiSchema)[] fields =
        [
            (Field.Title, Text(OperationRules.MaxTitle, minLength: 1)),
            (Field.Description, Text(OperationRules.MaxDescription, nullable: true)),
            (Field.Category, Text(OperationRules.MaxCategory, nullable: true)),
            (Field.Tags, ArrayOf(Text(OperationRules.MaxTag, minLength: 1), OperationRules.MaxTags)),
            (Field.IsFeatured, Flag()),
        ];
        return titleRequired
            ? Object([Field.Title], fields)
            : Object([], [.. fields, (Field.VectorClock, Clock(OperationRules.MaxClockEntries))]);
    }
}
