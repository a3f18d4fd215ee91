namespace Phyght.AppHost.Hosting;

/// <summary>A Vite dev server (the repo's pinned <c>vite</c>, run with node) serving one web project.</summary>
public sealed class ViteDevServerResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory)
{
    internal const string HttpEndpointName = "http";
}
