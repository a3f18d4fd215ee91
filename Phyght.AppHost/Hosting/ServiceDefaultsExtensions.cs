namespace Phyght.AppHost.Hosting;

public static class ServiceDefaultsExtensions
{
    /// <summary>
    /// What every Phyght service gets from the AppHost. The OTLP exporter's final flush otherwise waits its default
    /// 10 s on a dashboard port that is already gone at shutdown; 1 s keeps a stop to about 2 s.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithServiceDefaults(this IResourceBuilder<ProjectResource> project) =>
        project.WithEnvironment("OTEL_EXPORTER_OTLP_TIMEOUT", "1000");
}
