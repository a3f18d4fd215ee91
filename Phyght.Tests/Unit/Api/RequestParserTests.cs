extern alias PhyghtApi;
using System.Text.Json;
using Phyght.Core.Crdt;
using PhyghtApi::Phyght.Api.Sync;
using PhyghtApi::Phyght.Api.Videos;

namespace Phyght.Tests.Unit.Api;

/// <summary>The API's pure request parsers, without a server: what they accept, and the field each refusal names.</summary>
public sealed class RequestParserTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static (VideoListQuery? Query, Dictionary<string, string[]> Errors) List(string? page = null, string? limit = null,
        string? category = null, string? search = null, string? status = null, string? featured = null, string? cursor = null)
    {
        var query = VideoListQuery.Parse(page, limit, category, search, status, featured, cursor, maxOffset: 10_000, out var errors);
        return (query, errors);
    }

    [Fact]
    public void A_list_query_has_the_seeds_defaults()
    {
        var (query, errors) = List();
        Assert.Empty(errors);
        Assert.Equal((1, 20, 0L), (query!.Page, query.Limit, query.Offset));
    }

    [Theory]
    [InlineData("0", null, "page")]
    [InlineData("-1", null, "page")]
    [InlineData("1.5", null, "page")]
    [InlineData(null, "0", "limit")]
    [InlineData(null, "101", "limit")]
    [InlineData("502", "20", "cursor")]
    [InlineData("2147483647", "100", "cursor")]
    public void Out_of_range_pages_and_limits_are_refused_by_name(string? page, string? limit, string field) =>
        Assert.Contains(field, List(page, limit).Errors.Keys);

    [Fact]
    public void The_deepest_page_by_number_is_exactly_the_offset_bound()
    {
        Assert.Empty(List("501", "20").Errors);
        Assert.Contains("cursor", List("502", "20").Errors.Keys);
    }

    [Theory]
    [InlineData("category")]
    [InlineData("search")]
    [InlineData("status")]
    [InlineData("cursor")]
    public void A_control_character_in_any_parameter_is_refused_by_name(string field)
    {
        var bad = "a\0b";
        var (query, errors) = field switch
        {
            "category" => List(category: bad),
            "search" => List(search: bad),
            "status" => List(status: bad),
            _ => List(cursor: bad),
        };
        Assert.Null(query);
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void Filters_and_search_are_parsed()
    {
        var (query, errors) = List(category: "mma", search: "  knockout  ", status: "ready", featured: "true");
        Assert.Empty(errors);
        Assert.Equal(("mma", "knockout", Phyght.Core.Videos.VideoStatus.Ready, true), (query!.Category, query.Search, query.Status, query.Featured));
        Assert.Contains("status", List(status: "READY").Errors.Keys);
        Assert.Contains("featured", List(featured: "yes").Errors.Keys);
        Assert.Contains("search", List(search: new string('x', 201)).Errors.Keys);
    }

    [Fact]
    public void A_cursor_round_trips_and_garbage_is_not_a_cursor()
    {
        var cursor = new ListCursor(new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero), Guid.NewGuid());
        Assert.Equal(cursor, ListCursor.Parse(cursor.ToString()));
        foreach (var garbage in new[] { "", "!!!", "bm90LWEtY3Vyc29y", new string('A', 5000) })
        {
            Assert.Null(ListCursor.Parse(garbage));
        }
    }

    [Fact]
    public void Video_fields_tell_absent_from_null_and_normalize_tags()
    {
        var fields = VideoFields.Parse(Json("""{"title":" Main event ","description":null,"tags":[" MMA ","mma","Boxing"]}"""), titleRequired: true, out var errors);
        Assert.Empty(errors);
        Assert.Equal("Main event", fields.Title);
        Assert.True(fields.HasDescription);
        Assert.False(fields.HasCategory);
        Assert.Equal(["mma", "boxing"], fields.Tags);
    }

    [Theory]
    [InlineData("""{}""", "title")]
    [InlineData("""{"title":""}""", "title")]
    [InlineData("""{"title":"a\u0000b"}""", "title")]
    [InlineData("""{"title":"t","description":"a\u0001"}""", "description")]
    [InlineData("""{"title":"t","category":5}""", "category")]
    [InlineData("""{"title":"t","tags":["a\u0000"]}""", "tags")]
    [InlineData("""{"title":"t","tags":"mma"}""", "tags")]
    [InlineData("""{"title":"t","is_featured":"yes"}""", "is_featured")]
    [InlineData("""{"title":"t","vector_clock":{"a":-1}}""", "vector_clock")]
    [InlineData("""{"title":"t","vector_clock":{"bad actor!":1}}""", "vector_clock")]
    [InlineData("""{"title":"t","vector_clock":{"a":9007199254740992}}""", "vector_clock")]
    public void Invalid_video_fields_are_refused_by_name(string body, string field)
    {
        VideoFields.Parse(Json(body), titleRequired: true, out var errors);
        Assert.Contains(field, errors.Keys);
    }

    [Fact]
    public void A_huge_tag_array_is_refused_by_its_length_alone()
    {
        var tags = string.Join(",", Enumerable.Range(0, 150_000).Select(i => $"\"t{i}\""));
        VideoFields.Parse(Json($$"""{"title":"t","tags":[{{tags}}]}"""), titleRequired: true, out var errors);
        Assert.Equal(["At most 50 tags."], errors["tags"]);
    }

    private static SyncRead Sync(string body, bool mayWrite = true) => SyncRequestReader.Read(Json(body), mayWrite);

    /// <summary>A sync body for one video with these ops (JSON array items).</summary>
    private static SyncRead Ops(string ops, bool mayWrite = true, string clock = "{}") =>
        Sync("{\"video_id\":\"7b0a3d55-4a4e-4e4e-9a4e-0a3d554a4e4e\",\"client_vector_clock\":" + clock + ",\"operations\":[" + ops + "]}", mayWrite);

    [Fact]
    public void A_sync_body_is_read_into_ops()
    {
        var read = Assert.IsType<SyncRead.Ok>(Ops("""{"actor":"tab","seq":2,"lamport":3,"type":"add_tag","value":" MMA ","context":{"tab":1}}""", clock: """{"tab":1}"""));
        var op = Assert.Single(read.Batch.Ops);
        Assert.Equal(("tab", 2L, 3L, "mma"), (op.Actor, op.Seq, op.Lamport, op.Value.Text));
        Assert.Equal(1, read.Batch.ClientClock["tab"]);
    }

    [Fact]
    public void A_reader_may_pull_but_ops_from_a_reader_are_refused_before_they_are_parsed()
    {
        Assert.IsType<SyncRead.Ok>(Ops("", mayWrite: false));
        Assert.IsType<SyncRead.Forbidden>(Ops("""{"not":"even an op"}""", mayWrite: false));
    }

    [Theory]
    [InlineData("""{"actor":"tab","seq":1,"lamport":9223372036854775807,"type":"update_title","value":"x"}""")]
    [InlineData("""{"actor":"tab","seq":1,"lamport":9007199254740992,"type":"update_title","value":"x"}""")]
    [InlineData("""{"actor":"tab","seq":9007199254740992,"lamport":1,"type":"update_title","value":"x"}""")]
    [InlineData("""{"actor":"tab","seq":2,"lamport":5,"type":"remove_tag","value":"mma","context":{"tab":2}}""")]
    [InlineData("""{"actor":"server-1","seq":1,"lamport":1,"type":"update_title","value":"x"}""")]
    [InlineData("""{"actor":"tab","seq":1,"lamport":1,"type":"update_title","value":"a\u0000b"}""")]
    [InlineData("""{"actor":"tab","seq":1,"lamport":1,"type":"set_tags","value":["a"]}""")]
    [InlineData("""[1,2,3]""")]
    public void Out_of_bounds_ops_are_refused_naming_their_index(string op)
    {
        var read = Assert.IsType<SyncRead.Invalid>(Ops(op));
        Assert.Contains("operations[0]", read.Errors.Keys);
    }

    [Fact]
    public void A_batch_over_the_op_limit_is_refused_before_any_op_is_parsed()
    {
        var ops = string.Join(",", Enumerable.Repeat("{}", SyncRequestReader.MaxOps + 1));
        var read = Assert.IsType<SyncRead.Invalid>(Ops(ops));
        Assert.Contains("operations", read.Errors.Keys);
    }

    [Fact]
    public void A_sync_body_without_a_video_is_refused()
    {
        Assert.Contains("video_id", Assert.IsType<SyncRead.Invalid>(Sync("""{"operations":[]}""")).Errors.Keys);
        Assert.Contains("body", Assert.IsType<SyncRead.Invalid>(Sync("[]")).Errors.Keys);
    }
}
