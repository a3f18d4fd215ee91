using Microsoft.Extensions.Configuration;

namespace Phyght.AppHost.Hosting;

public static class ServerEndpointExtensions
{
    /// <summary>
    /// A local server's endpoint, on the port configuration fixes (<paramref name="portKey"/>) or one Aspire allocates.
    /// Not proxied: clients reach the server itself. DCP's proxy in front of PostgreSQL took ~150 µs of CPU per
    /// catalogue request, a quarter of a core at 1,750 req/s (docs/benchmarks.md); each server is one process, so
    /// there is nothing for a proxy to spread.
    /// </summary>
    public static IResourceBuilder<T> WithServerEndpoint<T>(this IResourceBuilder<T> server, string name, string scheme, string portKey)
        where T : IResourceWithEndpoints =>
        server.WithEndpoint(port: server.ApplicationBuilder.Configuration.GetValue<int?>(portKey), name: name, scheme: scheme, isProxied: false);
}
