using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;

namespace ShipmentGrid.Hosting.Observability;

/// <summary>
/// The <c>Tracing</c> configuration section: which traces are recorded (README, "Tracing"). A trace is decided once, at
/// its root (a request without a <c>traceparent</c>, a reminder, a poll): <see cref="SampleRatio"/> of the roots
/// by trace id; every span below a root follows its decision, across Orleans calls and across the journal, whose rows
/// keep the context the readers continue from. So a sampled carrier event is recorded end to end and a sampled-out one
/// costs no span anywhere.
/// </summary>
public sealed class TracingOptions
{
    public const string Section = "Tracing";

    /// <summary>
    /// The share of root traces recorded, 0 to 1. Every trace by default (embedded and development); at peak rates of
    /// thousands of carrier events a second, 0.001 to 0.01 keeps a representative stream at a small fraction of the cost.
    /// </summary>
    public double SampleRatio { get; set; } = 1.0;

    /// <summary>The section as configured; an out-of-range ratio stops the process at start rather than silently tracing all or nothing.</summary>
    public static TracingOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(Section).Get<TracingOptions>() ?? new TracingOptions();
        return options.SampleRatio is >= 0 and <= 1
            ? options
            : throw new InvalidOperationException($"{Section}:SampleRatio must be between 0 and 1; it is {options.SampleRatio}.");
    }

    /// <summary>
    /// Parent-based: a span with a parent takes its parent's decision; a root is sampled by trace id at
    /// <see cref="SampleRatio"/>, except a client span, which is never recorded as a root.
    /// </summary>
    public Sampler CreateSampler() => new ParentBasedSampler(new RootSampler(new TraceIdRatioBasedSampler(SampleRatio)));

    /// <summary>
    /// A client span without a parent is a call made outside any trace: a journal reader's or the webhook dispatcher's
    /// poll, a health or gauge query. Those run every second on every silo and would be most of the recorded traces while
    /// telling nothing about a carrier event, so they are dropped; every other root goes to the ratio.
    /// </summary>
    private sealed class RootSampler(Sampler ratio) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            samplingParameters.Kind == System.Diagnostics.ActivityKind.Client
                ? new SamplingResult(SamplingDecision.Drop)
                : ratio.ShouldSample(samplingParameters);
    }
}
