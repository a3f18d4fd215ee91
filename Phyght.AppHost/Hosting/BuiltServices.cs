using System.Reflection;

namespace Phyght.AppHost.Hosting;

/// <summary>
/// DCP starts each project resource as <c>dotnet run --project P --no-build --configuration C --no-launch-profile</c>,
/// and <c>run</c> evaluates P with MSBuild to learn what to start: about 1 s of CPU per service per start, twice on the
/// warm start's critical path (the migrator, then the API). The AppHost's build records where it built each service
/// (<c>RecordServiceOutputs</c> in the project file); <see cref="DotnetShim"/> is a <c>dotnet</c> for DCP that starts that
/// output directly, as <c>run</c> would, and hands every other command to dotnet itself.
/// </summary>
public static class BuiltServices
{
    private const string MetadataPrefix = "phyght-service-output:";

    /// <summary>Each service project's path and its built assembly, as the AppHost's build recorded them.</summary>
    public static IReadOnlyDictionary<string, string> Outputs(Assembly appHost) =>
        appHost.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(m => m.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal) && !string.IsNullOrEmpty(m.Value))
            .ToDictionary(m => m.Key[MetadataPrefix.Length..], m => m.Value!);

    /// <summary>
    /// The shim's script: <c>run</c> of a service built in <paramref name="configuration"/> runs its apphost (or
    /// <c>dotnet exec</c> of its assembly when it has none) with the arguments after <c>run</c>'s own and, as <c>run</c>
    /// does, <c>DOTNET_ROOT</c> set to <paramref name="dotnet"/>'s folder; anything else, a service whose output is
    /// missing included, goes to <paramref name="dotnet"/> unchanged. A service's PATH is DCP's, without the shim's
    /// <paramref name="folder"/>. Bash, not sh: Debian's sh drops environment
    /// variables whose names are not shell names, and Aspire's connection strings are named after resources
    /// (<c>ConnectionStrings__phyght-accounts</c>).
    /// </summary>
    public static string DotnetShim(string folder, string dotnet, string configuration, IReadOnlyDictionary<string, string> outputs)
    {
        var cases = string.Concat(outputs.Where(o => File.Exists(o.Value)).Select(o =>
        {
            var apphost = Path.ChangeExtension(o.Value, null);
            var command = File.Exists(apphost) ? Shell.Quote(apphost) : $"{Shell.Quote(dotnet)} exec {Shell.Quote(o.Value)}";
            return $"    {Shell.Quote(o.Key)}) exec {command} \"$@\" ;;\n";
        }));
        var stripFolder = $"PATH=${{PATH#{Shell.Quote(folder + ":")}}}";
        var root = Path.GetDirectoryName(File.ResolveLinkTarget(dotnet, returnFinalTarget: true)?.FullName ?? dotnet)!;
        return $"""
            #!/bin/bash
            # Written by the AppHost at every start (Hosting/BuiltServices.cs): DCP's dotnet. A service the AppHost built starts
            # from its build output; every other command goes to dotnet.
            if [ "$1" = run ] && [ "$2" = --project ] && [ "$4" = --no-build ] && [ "$5" = --configuration ] && [ "$6" = {Shell.Quote(configuration)} ] && [ "$7" = --no-launch-profile ]; then
              project=$3
              shift 7
              {stripFolder}
              [ -n "$DOTNET_ROOT" ] || export DOTNET_ROOT={Shell.Quote(root)}
              case "$project" in
            {cases}  esac
              set -- run --project "$project" --no-build --configuration {Shell.Quote(configuration)} --no-launch-profile "$@"
            fi
            exec {Shell.Quote(dotnet)} "$@"

            """;
    }

    /// <summary>The first <c>dotnet</c> on the PATH, as DCP would have found it.</summary>
    public static string? FindDotnet() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "dotnet")).FirstOrDefault(File.Exists);
}
