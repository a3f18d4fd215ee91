namespace Phyght.Core;

/// <summary>The connection names the AppHost gives the servers (<c>ConnectionStrings__{name}</c>).</summary>
public static class ResourceNames
{
    public const string Database = "phyght";
    public const string Redis = "redis";
    public const string Blobs = "blobs";
}
