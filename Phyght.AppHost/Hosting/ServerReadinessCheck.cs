using System.Diagnostics;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Phyght.AppHost.Hosting;

/// <summary>
/// A server's health check that keeps trying, every 50 ms, for up to a second before it reports the server unhealthy.
/// Aspire checks a resource that is not healthy yet again 1 s later (then 2 s, 3 s, ...), so a server that began to
/// listen just after a failed check kept everything waiting on it for up to a second more, at every start: PostgreSQL
/// is checked the moment its process runs, always a few hundred milliseconds too early.
/// </summary>
public static class ServerReadinessCheck
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    public static IHealthChecksBuilder AddServerReadinessCheck(this IHealthChecksBuilder checks, string key, Func<IServiceProvider, IHealthCheck> check) =>
        checks.Add(new HealthCheckRegistration(key, services => new Polling(check(services)), HealthStatus.Unhealthy, tags: null));

    private sealed class Polling(IHealthCheck check) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var started = Stopwatch.GetTimestamp();
            while (true)
            {
                var result = await check.CheckHealthAsync(context, cancellationToken);
                if (result.Status == HealthStatus.Healthy || Stopwatch.GetElapsedTime(started) + Interval > Window)
                {
                    return result;
                }
                await Task.Delay(Interval, cancellationToken);
            }
        }
    }
}
