using System.Diagnostics;
using Phyght.AppHost.Hosting;

namespace Phyght.Tests.Unit.Hosting;

/// <summary>The <c>dotnet</c> DCP finds first on its PATH (<see cref="BuiltServices.DotnetShim"/>), run by bash with stand-ins
/// for dotnet and a service's build output that print what they were started with.</summary>
public sealed class DotnetShimTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("phyght-shim-").FullName;
    private readonly string _dotnet;
    private readonly string _project;
    private readonly string _assembly;

    public DotnetShimTests()
    {
        _dotnet = StandIn("dotnet", "dotnet");
        _project = Path.Combine(_folder, "Api", "Api.csproj");
        Directory.CreateDirectory(Path.Combine(_folder, "Api", "bin"));
        _assembly = Path.Combine(_folder, "Api", "bin", "Api.dll");
        File.WriteAllText(_assembly, "");
        StandIn(Path.Combine("Api", "bin", "Api"), "service");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void A_run_of_a_built_service_starts_its_build_output_with_the_arguments_after_runs_own()
    {
        var output = Shim(["run", "--project", _project, "--no-build", "--configuration", "Debug", "--no-launch-profile", "--urls", "http://a b"]);

        Assert.Equal(["service", "--urls", "http://a b"], output.Arguments);
    }

    [Fact]
    public void A_separator_after_runs_options_is_runs_not_the_services()
    {
        var output = Shim(["run", "--project", _project, "--no-build", "--configuration", "Debug", "--no-launch-profile", "--", "--urls", "x"]);

        Assert.Equal(["service", "--urls", "x"], output.Arguments);
    }

    [Fact]
    public void The_service_gets_every_environment_variable_dashes_included_dotnet_root_and_the_path_without_the_shim()
    {
        var output = Shim(["run", "--project", _project, "--no-build", "--configuration", "Debug", "--no-launch-profile"],
            ("ConnectionStrings__phyght-accounts", "Host=x"));

        Assert.Equal("service", output.Arguments[0]);
        Assert.Contains("ConnectionStrings__phyght-accounts=Host=x", output.Environment);
        Assert.Contains("DOTNET_ROOT=/opt/dotnet", output.Environment);
        Assert.Contains("PATH=/usr/bin:/bin", output.Environment);
    }

    [Theory]
    [InlineData("Release")]
    [InlineData("Debug", "other")]
    [InlineData("Debug", null, "--no-restore")]
    [InlineData("Release", null, "--no-launch-profile", "--")]
    public void Every_other_run_goes_to_dotnet_unchanged(string configuration, string? project = null, string? extra = null, string? separator = null)
    {
        string[] arguments = ["run", "--project", project is null ? _project : Path.Combine(_folder, project, "Other.csproj"), "--no-build",
            "--configuration", configuration, extra ?? "--no-launch-profile", .. separator is null ? Array.Empty<string>() : [separator], "--urls", "x"];

        Assert.Equal(["dotnet", .. arguments], Shim(arguments).Arguments);
    }

    [Fact]
    public void Other_commands_go_to_dotnet_unchanged()
    {
        Assert.Equal(["dotnet", "build", "-c", "Release"], Shim(["build", "-c", "Release"]).Arguments);
    }

    [Fact]
    public void A_service_without_an_apphost_runs_through_dotnet_exec()
    {
        File.Delete(Path.Combine(_folder, "Api", "bin", "Api"));

        var output = Shim(["run", "--project", _project, "--no-build", "--configuration", "Debug", "--no-launch-profile", "--x"]);

        Assert.Equal(["dotnet", "exec", _assembly, "--x"], output.Arguments);
    }

    /// <summary>An executable at <paramref name="relativePath"/> that prints its name, each argument and its environment,
    /// NUL-separated (bash: it passes every environment variable on).</summary>
    private string StandIn(string relativePath, string name)
    {
        var path = Path.Combine(_folder, relativePath);
        File.WriteAllText(path, $"#!/bin/bash\nprintf '%s\\0' {name} \"$@\"\nprintf '\\n'\nenv -0\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    private (string[] Arguments, string[] Environment) Shim(string[] arguments, params (string Name, string Value)[] environment)
    {
        var shimFolder = Path.Combine(_folder, "shim");
        Directory.CreateDirectory(shimFolder);
        var shim = Path.Combine(shimFolder, "dotnet");
        File.WriteAllText(shim, BuiltServices.DotnetShim(shimFolder, _dotnet, "/opt/dotnet", "Debug", new Dictionary<string, string> { [_project] = _assembly }));
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true };
        start.ArgumentList.Add(shim);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Clear();
        start.Environment["PATH"] = $"{shimFolder}:/usr/bin:/bin";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        var (printed, env) = (output[..output.IndexOf('\n')], output[(output.IndexOf('\n') + 1)..]);
        return (printed.TrimEnd('\0').Split('\0'), env.TrimEnd('\0').Split('\0'));
    }
}
