extern alias PhyghtApi;

using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Integration;

/// <summary>Real-time delivery when one client stops reading (the test stack queues at most 100 events per client).</summary>
[Collection(StackCollection.Name)]
public sealed class SlowClientTests(StackFixture fixture)
{
    private PhyghtStack Stack => fixture.Stack;

    [Fact]
    public async Task A_client_that_stops_reading_is_told_to_resync_and_dropped_while_the_others_get_every_event()
    {
        var admin = await Accounts.AdminAsync(Stack);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add((await admin.CreateVideoAsync(new { title = $"Busy {i}" }))["id"]!.GetValue<string>());
        }
        await using var fast = await RealtimeTests.Listener.ConnectAsync(Stack, admin.AccessToken);
        foreach (var id in ids)
        {
            await fast.Connection.InvokeAsync("Subscribe", Guid.Parse(id), (long?)null);
        }
        await using var stalled = await StalledClient.ConnectAndSubscribeAsync(Stack, admin.AccessToken!, ids);
        bool Dropped() => Stack.Logs.Lines.Any(l => l.Message.Contains("told to resync and disconnected", StringComparison.Ordinal));

        // Edit until the stalled client's socket buffers and its queue are full and the API drops it.
        var description = new string('d', 5000);
        var edits = new int[ids.Count];
        var deadline = DateTime.UtcNow.AddSeconds(120);
        await Task.WhenAll(ids.Select(async (id, i) =>
        {
            while (!Dropped() && DateTime.UtcNow < deadline)
            {
                var (status, _) = await admin.PutAsync($"/videos-update/{id}", new { title = $"Edit {edits[i] + 1}", description });
                Assert.Equal(System.Net.HttpStatusCode.OK, status);
                edits[i]++;
            }
        }));
        Assert.True(Dropped(), $"the stalled client was not dropped after {edits.Sum()} edits");

        // Everyone else got every edit of every video, in order.
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            var titles = await Eventually.ReturnsAsync(
                () => Task.FromResult(fast.For(id).Where(e => e.GetProperty("eventType").GetString() != "INSERT") // a create's event may arrive after the subscription
                    .Select(e => e.GetProperty("new").GetProperty("title").GetString()).ToList()),
                t => t.Count >= edits[i], TimeSpan.FromSeconds(30), $"all {edits[i]} edits of video {i} reach the fast client");
            Assert.Equal(Enumerable.Range(1, edits[i]).Select(n => $"Edit {n}"), titles);
        }

        // The stalled client, reading again, finds what it was sent, then resync, then the end.
        var messages = await stalled.ReadUntilClosedAsync(TimeSpan.FromSeconds(60));
        var events = messages.Where(m => m.Target == "videoChanged").Select(m => m.Argument.GetProperty("seq").GetInt64()).ToList();
        var resync = Assert.Single(messages, m => m.Target == "resync");
        Assert.Equal("resync", messages[^1].Target);
        Assert.True(events.Count >= 2 && events.Count < edits.Sum(), $"the stalled client got {events.Count} of {edits.Sum()} events before it was dropped");
        // after_seq is the last event of the last write that completed: one received, followed at most by the events of
        // the one write that was cut off (events of different videos may arrive out of seq order, so compare by position).
        var resumeAt = events.IndexOf(resync.Argument.GetProperty("after_seq").GetInt64());
        Assert.True(resumeAt >= 0, "after_seq names an event the client received");
        Assert.InRange(events.Count - 1 - resumeAt, 0, PhyghtApi::Phyght.Api.Realtime.Subscribers.MaxEventsPerWrite);
    }

    /// <summary>
    /// A SignalR JSON-protocol client over a raw WebSocket with a tiny receive buffer, which subscribes and then reads
    /// nothing until asked to, as a client on a dead network would.
    /// </summary>
    private sealed class StalledClient(ClientWebSocket socket) : IAsyncDisposable
    {
        private const char Separator = '\u001e';
        private readonly StringBuilder _pending = new();

        public static async Task<StalledClient> ConnectAndSubscribeAsync(PhyghtStack stack, string accessToken, IEnumerable<string> videoIds)
        {
            var http = stack.CreateApiClient().BaseAddress!;
            var uri = new UriBuilder(http) { Scheme = "ws", Path = "/realtime", Query = $"access_token={accessToken}" }.Uri;
            var handler = new SocketsHttpHandler
            {
                ConnectCallback = async (context, ct) =>
                {
                    var tcp = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                    await tcp.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(tcp, ownsSocket: true);
                },
            };
            var socket = new ClientWebSocket();
            await socket.ConnectAsync(uri, new HttpMessageInvoker(handler), CancellationToken.None);
            var client = new StalledClient(socket);
            await client.SendAsync("""{"protocol":"json","version":1}""");
            await client.ReadMessageAsync(); // the handshake's {}
            var invocation = 0;
            foreach (var id in videoIds)
            {
                invocation++;
                await client.SendAsync($$"""{"type":1,"invocationId":"{{invocation}}","target":"Subscribe","arguments":["{{id}}",null]}""");
                JsonElement reply;
                do
                {
                    reply = JsonDocument.Parse(await client.ReadMessageAsync() ?? throw new InvalidOperationException("closed while subscribing")).RootElement;
                }
                while (reply.GetProperty("type").GetInt32() != 3);
                Assert.False(reply.TryGetProperty("error", out _), reply.ToString());
            }
            return client;
        }

        public async Task<List<(string Target, JsonElement Argument)>> ReadUntilClosedAsync(TimeSpan within)
        {
            using var timeout = new CancellationTokenSource(within);
            var messages = new List<(string, JsonElement)>();
            try
            {
                while (await ReadMessageAsync(timeout.Token) is { } text)
                {
                    var message = JsonDocument.Parse(text).RootElement;
                    if (message.GetProperty("type").GetInt32() == 1)
                    {
                        messages.Add((message.GetProperty("target").GetString()!, message.GetProperty("arguments")[0].Clone()));
                    }
                }
            }
            catch (WebSocketException)
            {
                // aborted by the server: the end of the stream
            }
            return messages;
        }

        private Task SendAsync(string message) =>
            socket.SendAsync(Encoding.UTF8.GetBytes(message + Separator), WebSocketMessageType.Text, true, CancellationToken.None);

        /// <summary>The next protocol message, or null when the server closed the connection.</summary>
        private async Task<string?> ReadMessageAsync(CancellationToken ct = default)
        {
            var buffer = new byte[16 * 1024];
            while (_pending.ToString().IndexOf(Separator) is var end && end < 0)
            {
                var received = await socket.ReceiveAsync(buffer, ct);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    return null;
                }
                _pending.Append(Encoding.UTF8.GetString(buffer, 0, received.Count));
            }
            var all = _pending.ToString();
            var cut = all.IndexOf(Separator);
            _pending.Clear().Append(all[(cut + 1)..]);
            return all[..cut];
        }

        public ValueTask DisposeAsync()
        {
            socket.Abort();
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
