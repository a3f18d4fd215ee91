namespace Phyght.AppHost.Hosting;

/// <summary>Azurite's blob service (the npm package, run with node) as an executable resource.</summary>
public sealed class AzuriteExecutableResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory)
{
    internal const string BlobEndpointName = "blob";

    // Azurite's fixed, publicly documented development account; it guards nothing.
    internal const string AccountName = "devstoreaccount1";
    internal const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    public EndpointReference BlobEndpoint => field ??= new(this, BlobEndpointName);

    // The host must be an IP: the Azure SDK treats only IP hosts as path-style (account in the path).
    internal ReferenceExpression BlobConnectionString => ReferenceExpression.Create(
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://{BlobEndpoint.Property(EndpointProperty.IPV4Host)}:{BlobEndpoint.Property(EndpointProperty.Port)}/{AccountName};");
}

/// <summary>The blob service of an <see cref="AzuriteExecutableResource"/>, referenced by services as <c>ConnectionStrings__{name}</c>.</summary>
public sealed class AzuriteBlobsResource(string name, AzuriteExecutableResource parent)
    : Resource(name), IResourceWithParent<AzuriteExecutableResource>, IResourceWithConnectionString
{
    public AzuriteExecutableResource Parent { get; } = parent;

    public ReferenceExpression ConnectionStringExpression => Parent.BlobConnectionString;
}
