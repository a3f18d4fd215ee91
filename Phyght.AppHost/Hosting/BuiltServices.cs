using System.Reflection;

namespace Phyght.AppHost.Hosting;

/// <summary>
/// DCP starts each project resource as <c>dotnet run --project P --no-build --configuration C --no-launch-profile</c>,
/// and <c>run</c> evaluates P with MSBuild to learn what to start: about 1 s of CPU per service per start, twice on the
/// warm start's critical path (the migrator, then the API). The AppHost's build publishes each service precompiled
/// (ReadyToRun) and records where (<c>RecordServiceOutputs</c> in the project file); <see cref="DotnetShim"/> is a
/// <c>dotnet</c> for DCP that starts that output directly, as <c>run</c> would, and hands every other command to dotnet
/// itself.
/// </summary>
public static class BuiltServices
{
    private const string MetadataPrefix = "phyght-service-output:";

    /// <summary>Each service project's path and its published assembly, as the AppHost's build recorded them.</summary>
    public static IReadOnlyDictionary<string, string> Outputs(Assembly appHost) =>
        appHost.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Where(m => m.Key.StartsWith(MetadataPrefix, StringComparison.Ordinal) && !string.IsNullOrEmpty(m.Value))
            .GroupBy(m => m.Key[MetadataPrefix.Length..]).ToDictionary(g => g.Key, g => g.First().Value!);

    /// <summary>
    /// The shim's script: <c>run</c> of a service built in <paramref name="configuration"/> runs its apphost (or
    /// <c>dotnet exec</c> of its assembly when it has none) with the arguments after <c>run</c>'s own and, as <c>run</c>
    /// does, <c>DOTNET_ROOT</c> set (to <paramref name="dotnetRoot"/>, the AppHost's own runtime) when it is not; anything else, a service whose output is
    /// missing included, goes to <paramref name="dotnet"/> unchanged. A service's PATH is DCP's without the shim's
    /// <paramref name="folder"/> (the launcher puts it first). Bash, not sh: Debian's sh drops environment
    /// variables whose names are not shell names, and Aspire's connection strings are named after resources
    /// (<c>ConnectionStrings__phyght-accounts</c>).
    /// </summary>
    public static string DotnetShim(string folder, string dotnet, string dotnetRoot, string configuration, IReadOnlyDictionary<string, string> outputs)
    {
        var cases = string.Concat(outputs.Where(o => File.Exists(o.Value)).Select(o =>
        {
            var apphost = Path.ChangeExtension(o.Value, null);
            var command = File.Exists(apphost) ? Shell.Quote(apphost) : $"{Shell.Quote(dotnet)} exec {Shell.Quote(o.Value)}";
            return $"    {Shell.Quote(o.Key)}) exec {command} \"$@\" ;;\n";
        }));
        var stripFolder = $"PATH=${{PATH#{Shell.Quote(folder + ":")}}}";
        return $"""
            #!/bin/bash
            # Written by the AppHost at every start (Hosting/BuiltServices.cs): DCP's dotnet. A service the AppHost built starts
            # from its build output; every other command goes to dotnet.
            if [ "$1" = run ] && [ "$2" = --project ] && [ "$4" = --no-build ] && [ "$5" = --configuration ] && [ "$6" = {Shell.Quote(configuration)} ] && [ "$7" = --no-launch-profile ]; then
              project=$3
              shift 7
              separator=
              if [ "$1" = -- ]; then separator=--; shift; fi
              {stripFolder}
              [ -n "$DOTNET_ROOT" ] || export DOTNET_ROOT={Shell.Quote(dotnetRoot)}
              case "$project" in
            {cases}  esac
              set -- run --project "$project" --no-build --configuration {Shell.Quote(configuration)} --no-launch-profile $separator "$@"
            fi
            exec {Shell.Quote(dotnet)} "$@"

            """;
    }

    /// <summary>The first <c>dotnet</c> on the PATH, as DCP would have found it.</summary>
    public static string? FindDotnet() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.GetFullPath(Path.Combine(dir, "dotnet"))).FirstOrDefault(File.Exists);

    /// <summary>The .NET installation the AppHost runs on (its runtime folder is <c>shared/Microsoft.NETCore.App/&lt;version&gt;</c>
    /// inside it), which is what the services' apphosts need to find.</summary>
    public static string RuntimeRoot() =>
        Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
}
