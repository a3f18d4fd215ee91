extern alias PhyghtApi;
using System.Buffers;
using System.IO.Pipelines;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using PhyghtApi::Phyght.Api.Realtime;
using Phyght.Tests.Infrastructure;

namespace Phyght.Tests.Unit.Api;

/// <summary>A real-time client's sender, on SignalR's own connection over in-memory pipes: its writes are paced, but
/// a client that keeps up is never capped by the pacing, and gets every event once, in order.</summary>
public sealed class SubscribersTests
{
    private sealed class Caller(string id) : HubCallerContext
    {
        public override string ConnectionId => id;
        public override string? UserIdentifier => null;
        public override ClaimsPrincipal? User { get; } = new(new ClaimsIdentity());
        public override IDictionary<object, object?> Items { get; } = new Dictionary<object, object?>();
        public override Microsoft.AspNetCore.Http.Features.IFeatureCollection Features { get; } = new Microsoft.AspNetCore.Http.Features.FeatureCollection();
        public override CancellationToken ConnectionAborted => CancellationToken.None;
        public override void Abort() { }
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    [Fact]
    public async Task A_client_that_keeps_up_gets_events_faster_than_one_full_write_per_interval_all_in_order()
    {
        var options = new RealtimeOptions { ClientQueueLimit = 2_000, WriteIntervalMilliseconds = 100 };
        var connections = new RealtimeConnections(NullLogger<DefaultHubLifetimeManager<RealtimeHub>>.Instance);
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var subscribers = new Subscribers(connections, Microsoft.Extensions.Options.Options.Create(options), new RealtimeMetrics(meters),
            TimeProvider.System, NullLogger<Subscribers>.Instance);
        var toClient = new Pipe();
        var connection = new HubConnectionContext(
            new DefaultConnectionContext("client", new Duplex(new Pipe().Reader, toClient.Writer), new Duplex(toClient.Reader, new Pipe().Writer)),
            new HubConnectionContextOptions { KeepAliveInterval = TimeSpan.FromMinutes(5), ClientTimeoutInterval = TimeSpan.FromMinutes(5) },
            NullLoggerFactory.Instance) { Protocol = new JsonHubProtocol() };
        await connections.OnConnectedAsync(connection);
        var caller = new Caller("client");
        Assert.True(subscribers.TryAdd(caller));
        var subscriber = subscribers.Get(caller);
        subscriber.All = true;
        var received = CollectSeqs(toClient.Reader);

        // 6,000 events in bursts of 50, at least 10 ms apart: several times what one 64-event write per 100 ms carries
        // (640 a second), so a sender paced after every write would fall 2,000 behind and drop this client.
        const int events = 6_000;
        var video = Guid.NewGuid();
        using var pace = new PeriodicTimer(TimeSpan.FromMilliseconds(10)); // the producer's rate, not a wait for the sender
        for (var seq = 1; seq <= events; seq++)
        {
            subscribers.Deliver(new VideoChangedMessage("DELETE", null, new VideoRef(video), seq), video, isPublic: true, DateTimeOffset.UtcNow);
            if (seq % 50 == 0)
            {
                await pace.WaitForNextTickAsync();
            }
        }
        await Eventually.HoldsAsync(() => received.Count == events || subscriber.Overflowed, TimeSpan.FromSeconds(30),
            "the client has every event, or was dropped");

        Assert.False(subscriber.Overflowed, $"the client was dropped after {received.Count} of {events} events");
        Assert.Equal(Enumerable.Range(1, events).Select(s => (long)s), received.ToArray());
        subscribers.Remove(caller);
    }

    /// <summary>Reads the JSON protocol's messages (each ends with 0x1E) as they arrive, collecting each event's seq.</summary>
    private static System.Collections.Concurrent.ConcurrentQueue<long> CollectSeqs(PipeReader reader)
    {
        var seqs = new System.Collections.Concurrent.ConcurrentQueue<long>();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                var result = await reader.ReadAsync();
                var buffer = result.Buffer;
                while (buffer.PositionOf((byte)0x1e) is { } end)
                {
                    using var message = JsonDocument.Parse(buffer.Slice(0, end).ToArray());
                    seqs.Enqueue(message.RootElement.GetProperty("arguments")[0].GetProperty("seq").GetInt64());
                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        });
        return seqs;
    }
}
