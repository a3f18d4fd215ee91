using System.Net;
using Npgsql;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>
/// The change feed's seqs follow commit order across videos, so a reader that resumes "after seq N" (an API instance
/// catching up after a Redis outage, a client replaying) never skips a change that committed after it looked.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ChangeFeedOrderTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task A_reader_tailing_the_feed_by_seq_while_eight_writers_edit_eight_videos_sees_every_change()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var videos = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            videos.Add(Guid.Parse((await admin.CreateVideoAsync(new { title = $"Tailed {i}" }))["id"]!.GetValue<string>()));
        }
        var start = await Database.ScalarAsync<long>(Stack, "SELECT coalesce(max(seq), 0) FROM change_feed");

        var seen = new HashSet<long>();
        var writers = Task.WhenAll(videos.Select(async id =>
        {
            for (var edit = 0; edit < 25; edit++)
            {
                var (status, body) = await admin.PutAsync($"/videos-update/{id}", new { title = $"Edit {edit}" });
                Assert.True(status == HttpStatusCode.OK, $"{status} {body}");
            }
        }));
        await using (var connection = new NpgsqlConnection(await Stack.ConnectionStringAsync("phyght")))
        {
            await connection.OpenAsync();
            var after = start;
            async Task ReadAsync()
            {
                await using var command = new NpgsqlCommand("SELECT seq FROM change_feed WHERE seq > @after ORDER BY seq LIMIT 1000", connection);
                command.Parameters.AddWithValue("after", after);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    after = reader.GetInt64(0);
                    seen.Add(after);
                }
            }
            while (!writers.IsCompleted)
            {
                await ReadAsync();
            }
            await writers;
            await ReadAsync();
        }

        var committed = await Database.ScalarAsync<long>(Stack,
            "SELECT count(*) FROM change_feed WHERE seq > @start AND video_id = ANY(@videos)", ("start", start), ("videos", videos.ToArray()));
        Assert.Equal(8 * 25, committed);
        var missed = await Database.ScalarAsync<long>(Stack,
            "SELECT count(*) FROM change_feed WHERE seq > @start AND video_id = ANY(@videos) AND NOT (seq = ANY(@seen))",
            ("start", start), ("videos", videos.ToArray()), ("seen", seen.ToArray()));
        Assert.Equal(0, missed);
    }
}
