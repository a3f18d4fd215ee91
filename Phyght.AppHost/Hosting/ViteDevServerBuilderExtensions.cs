using Microsoft.Extensions.Configuration;

namespace Phyght.AppHost.Hosting;

public static class ViteDevServerBuilderExtensions
{
    private const string Install = "npm ci (at the repo root; installs the pinned vite and the web workspace)";

    /// <summary>Adds a Vite dev server for the web project in <paramref name="projectDirectory"/> (relative to the
    /// AppHost) on <paramref name="port"/>; the project's <c>vite.config.ts</c> decides what it proxies.</summary>
    public static IResourceBuilder<ViteDevServerResource> AddViteDevServer(this IDistributedApplicationBuilder builder, string name, string projectDirectory, int port)
    {
        var directory = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, projectDirectory));
        var repoRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var script = Path.Combine(repoRoot, "node_modules", "vite", "bin", "vite.js");
        var node = ServerBinary.Find("node");
        var resource = new ViteDevServerResource(name, node ?? "node", directory);

        return builder.AddResource(resource)
            .WithHttpEndpoint(port: builder.Configuration.GetValue<int?>($"Phyght:{name}:Port") ?? port, env: "PORT", name: ViteDevServerResource.HttpEndpointName)
            .WithArgs(context =>
            {
                context.Args.Add(script);
                context.Args.Add("--host");
                context.Args.Add("127.0.0.1");
                context.Args.Add("--strictPort");
                context.Args.Add("--clearScreen");
                context.Args.Add("false");
            })
            .WithRequiredBinary(node is not null && File.Exists(script) ? node : null, script, Install)
            .WithHttpHealthCheck("/")
            .WithIconName("Globe");
    }
}
