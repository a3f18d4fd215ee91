namespace Phyght.Core;

/// <summary>The connection names the AppHost gives the servers (<c>ConnectionStrings__{name}</c>).</summary>
public static class ResourceNames
{
    /// <summary>The service's own login to the database (the API's, the worker's or the migrator's).</summary>
    public const string Database = "phyght";
    /// <summary>The API's second login, the only one that may read accounts (password hashes, refresh tokens).</summary>
    public const string Accounts = "phyght-accounts";
    public const string Redis = "redis";
    public const string Blobs = "blobs";
}
