namespace Phyght.AppHost.Hosting;

/// <summary>Finds a server's binary, or says in one line which package provides it.</summary>
public static class ServerBinary
{
    public static string? Find(string command)
    {
        if (Path.IsPathRooted(command))
        {
            return File.Exists(command) ? command : null;
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, command))
            .FirstOrDefault(File.Exists);
    }

    public static string MissingMessage(string resourceName, string binary, string install) =>
        $"{resourceName}: '{binary}' not found; install it with: {install}";

    /// <summary>
    /// Says, in one line, why a resource whose binary is missing will fail to start: in the resource's console log
    /// (dashboard) and in the AppHost's log. DCP then reports the resource FailedToStart; the rest of the stack runs.
    /// </summary>
    public static IResourceBuilder<T> WithRequiredBinary<T>(this IResourceBuilder<T> builder, string? binaryPath, string binary, string install)
        where T : ExecutableResource
    {
        if (binaryPath is not null)
        {
            return builder;
        }
        var message = MissingMessage(builder.Resource.Name, binary, install);
        return builder.OnBeforeResourceStarted((resource, e, ct) =>
        {
            e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource).LogError("{Message}", message);
            e.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Phyght.AppHost").LogError("{Message}", message);
            return Task.CompletedTask;
        });
    }
}
