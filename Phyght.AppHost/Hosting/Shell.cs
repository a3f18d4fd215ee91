namespace Phyght.AppHost.Hosting;

internal static class Shell
{
    /// <summary>A single-quoted POSIX shell word that reads back as <paramref name="value"/>.</summary>
    public static string Quote(string value) => $"'{value.Replace("'", "'\\''")}'";
}
