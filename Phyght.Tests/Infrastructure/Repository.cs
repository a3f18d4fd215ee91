namespace Phyght.Tests.Infrastructure;

public static class Repository
{
    /// <summary>The folder holding <c>Phyght.sln</c>, found above the test binaries.</summary>
    public static string Root()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Phyght.sln")))
        {
            directory = directory.Parent;
        }
        return directory?.FullName ?? throw new InvalidOperationException("Phyght.sln not found above the test binaries.");
    }
}
