extern alias PhyghtApi;
using System.Reflection;
using System.Text.Json;
using PhyghtApi::Phyght.Api.Sync;
using PhyghtApi::Phyght.Api.Videos;

namespace Phyght.Tests.Unit.Api;

/// <summary>The OpenAPI document's request bodies and the parsers agree: every documented field is one the parser
/// reads (a wrong value for it is refused naming it), and every field the parser reads is documented.</summary>
public sealed class BodySchemaTests
{
    private static readonly string WrongForEveryField = "[[1]]";

    private static IEnumerable<string> FieldNames(Type fields) =>
        fields.GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (string)f.GetRawConstantValue()!);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Every_documented_video_field_is_read_and_every_read_field_documented(bool create)
    {
        var documented = VideoFields.BodySchema(create).Properties!.Keys.ToList();
        foreach (var name in documented)
        {
            var body = JsonDocument.Parse(name == VideoFields.Field.Title
                ? $$"""{"title":{{WrongForEveryField}}}"""
                : $$"""{"title":"A title","{{name}}":{{WrongForEveryField}}}""").RootElement;
            VideoFields.Parse(body, create, out var errors);
            Assert.True(errors.ContainsKey(name), $"{name}: a wrong value is not refused, so the parser does not read it");
        }
        var read = FieldNames(typeof(VideoFields.Field)).Where(n => create ? n != VideoFields.Field.VectorClock : true);
        Assert.Equal(read.Order(), documented.Order());
        Assert.Equal(create ? [VideoFields.Field.Title] : [], VideoFields.BodySchema(create).Required!);
    }

    [Fact]
    public void Every_documented_sync_field_is_read_and_every_read_field_documented()
    {
        var schema = SyncRequestReader.BodySchema();
        foreach (var name in schema.Properties!.Keys)
        {
            var body = JsonDocument.Parse(name == SyncRequestReader.Field.VideoId
                ? """{"video_id":{"wrong":true}}"""
                : $$"""{"video_id":"{{Guid.NewGuid()}}","{{name}}":{"wrong":true} }""").RootElement;
            var read = SyncRequestReader.Read(body, mayWrite: true);
            var invalid = Assert.IsType<SyncRead.Invalid>(read);
            Assert.True(invalid.Errors.ContainsKey(name), $"{name}: a wrong value is not refused, so the parser does not read it");
        }
        Assert.Equal(FieldNames(typeof(SyncRequestReader.Field)).Order(), schema.Properties.Keys.Order());
    }
}
