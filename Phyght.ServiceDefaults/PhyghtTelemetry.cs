using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Microsoft.Extensions.Hosting;

/// <summary>The one activity source and meter every Phyght service records its own spans and instruments on.</summary>
public static class PhyghtTelemetry
{
    public const string ActivitySourceName = "Phyght";
    public const string MeterName = "Phyght";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
}
