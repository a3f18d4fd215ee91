namespace Phyght.AppHost.Hosting;

/// <summary>
/// Where the executable-backed servers keep their data: <c>Phyght:DataPath</c>, else <c>.phyght/</c> at the repo root.
/// Tests point it at a temporary folder so a run never touches a developer's data.
/// </summary>
public static class DataFolder
{
    public const string ConfigurationKey = "Phyght:DataPath";

    public static string Resolve(IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration[ConfigurationKey];
        var path = string.IsNullOrWhiteSpace(configured)
            ? Path.Combine(builder.AppHostDirectory, "..", ".phyght")
            : configured;
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(full);
        return full;
    }

    /// <summary>A secret generated once and kept in the data folder, so it lives exactly as long as the data it guards.</summary>
    public static string ReadOrCreateSecret(string dataPath, string fileName, int bytes = 24)
    {
        var file = Path.Combine(dataPath, fileName);
        if (File.Exists(file))
        {
            return File.ReadAllText(file).Trim();
        }
        var secret = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes))
            .Replace('+', 'x').Replace('/', 'y').TrimEnd('=');
        WritePrivateFileAsync(file, secret, CancellationToken.None).GetAwaiter().GetResult();
        return secret;
    }

    /// <summary>Writes a new file readable by its owner alone from the moment it exists (mode 600 at creation, not
    /// chmod after), and fails rather than overwrite one that is already there.</summary>
    public static async Task WritePrivateFileAsync(string path, string contents, CancellationToken ct)
    {
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        await using var stream = new FileStream(path, options);
        await using var writer = new StreamWriter(stream);
        await writer.WriteAsync(contents.AsMemory(), ct);
    }
}
