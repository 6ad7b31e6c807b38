using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using OpenTelemetry.Trace;
using ShipmentGrid.Hosting.Observability;

namespace ShipmentGrid.IntegrationTests.Observability;

/// <summary><c>Tracing:SampleRatio</c> as bound from configuration, and the parent-based sampler it makes.</summary>
public sealed class TracingOptionsTests
{
    private const int Roots = 4_000;

    [Fact]
    public void Every_root_is_sampled_when_nothing_is_configured()
    {
        var options = TracingOptions.FromConfiguration(Configuration());

        Assert.Equal(1.0, options.SampleRatio);
        Assert.Equal(Roots, SampledRoots(options.CreateSampler()));
    }

    [Fact]
    public void A_configured_ratio_samples_about_that_share_of_roots()
    {
        var sampler = TracingOptions.FromConfiguration(Configuration(("Tracing:SampleRatio", "0.25"))).CreateSampler();

        Assert.InRange(SampledRoots(sampler), Roots * 0.2, Roots * 0.3);
    }

    [Fact]
    public void A_span_follows_its_parents_decision_whatever_the_ratio()
    {
        var none = TracingOptions.FromConfiguration(Configuration(("Tracing:SampleRatio", "0"))).CreateSampler();
        var all = TracingOptions.FromConfiguration(Configuration(("Tracing:SampleRatio", "1"))).CreateSampler();

        Assert.Equal(0, SampledRoots(none));
        Assert.Equal(SamplingDecision.RecordAndSample, Decide(none, Parent(ActivityTraceFlags.Recorded)));
        Assert.Equal(SamplingDecision.Drop, Decide(all, Parent(ActivityTraceFlags.None)));
    }

    [Fact]
    public void A_client_call_outside_any_trace_is_never_recorded_while_one_inside_follows_its_parent()
    {
        var sampler = TracingOptions.FromConfiguration(Configuration()).CreateSampler();

        Assert.Equal(SamplingDecision.Drop, sampler.ShouldSample(new SamplingParameters(default, ActivityTraceId.CreateRandom(), "poll", ActivityKind.Client)).Decision);
        var parent = Parent(ActivityTraceFlags.Recorded);
        Assert.Equal(SamplingDecision.RecordAndSample, sampler.ShouldSample(new SamplingParameters(parent, parent.TraceId, "query", ActivityKind.Client)).Decision);
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("-0.1")]
    [InlineData("NaN")]
    public void A_ratio_outside_zero_to_one_stops_the_process_at_start(string ratio)
    {
        var refused = Assert.Throws<InvalidOperationException>(() => TracingOptions.FromConfiguration(Configuration(("Tracing:SampleRatio", ratio))));

        Assert.Contains("Tracing:SampleRatio", refused.Message, StringComparison.Ordinal);
    }

    private static int SampledRoots(Sampler sampler) =>
        Enumerable.Range(0, Roots).Count(_ => Decide(sampler, default) == SamplingDecision.RecordAndSample);

    private static SamplingDecision Decide(Sampler sampler, ActivityContext parent) =>
        sampler.ShouldSample(new SamplingParameters(parent, parent == default ? ActivityTraceId.CreateRandom() : parent.TraceId, "step", ActivityKind.Internal)).Decision;

    /// <summary>A context restored from a journal row or a traceparent header: remote, with the stored flags.</summary>
    private static ActivityContext Parent(ActivityTraceFlags flags) =>
        new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), flags, isRemote: true);

    private static IConfiguration Configuration(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value))).Build();
}
