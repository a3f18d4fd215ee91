using System.Reflection.PortableExecutable;
using Phyght.AppHost.Hosting;

namespace Phyght.Tests.Unit.Hosting;

/// <summary>What the AppHost's build recorded for the orchestrator's launcher (<c>RecordServiceOutputs</c>): every service
/// starts from its publish output, precompiled, not from IL the JIT compiles at each start.</summary>
public sealed class BuiltServicesTests
{
    private static readonly IReadOnlyDictionary<string, string> Outputs = BuiltServices.Outputs(typeof(BuiltServices).Assembly);

    public static TheoryData<string> Services => new()
    {
        new Projects.Phyght_Api().ProjectPath,
        new Projects.Phyght_Worker().ProjectPath,
        new Projects.Phyght_Migrations().ProjectPath,
    };

    [Theory]
    [MemberData(nameof(Services))]
    public void Each_service_starts_from_its_published_output_with_an_apphost(string project)
    {
        Assert.True(Outputs.TryGetValue(Path.GetFullPath(project), out var assembly), $"no output recorded for {project}");
        Assert.Equal("publish", Path.GetFileName(Path.GetDirectoryName(assembly)));
        Assert.True(File.Exists(assembly), assembly);
        Assert.True(File.Exists(Path.ChangeExtension(assembly, null)), $"no apphost beside {assembly}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void Each_service_and_its_dependencies_are_precompiled(string project)
    {
        var assembly = Outputs[Path.GetFullPath(project)];
        var folder = Path.GetDirectoryName(assembly)!;
        foreach (var name in new[] { Path.GetFileName(assembly), "Phyght.Core.dll", "Npgsql.dll", "Microsoft.EntityFrameworkCore.dll" })
            Assert.True(IsReadyToRun(Path.Combine(folder, name)), $"{name} in {folder} is IL only");
    }

    private static bool IsReadyToRun(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }
}
