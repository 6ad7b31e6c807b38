using System.Diagnostics;

namespace ShipmentGrid.Hosting.Observability;

/// <summary>
/// Hands a sampled-out trace's context on to the grain called. Orleans' own propagation injects a context only with the
/// client span it records, and OpenTelemetry creates no span below an unrecorded local parent: without this filter the
/// first grain call of a sampled-out request would carry no context, and the silo would start a new root trace and
/// sample it afresh, recording the middle of a path whose start was dropped. With it, the decision made where the trace
/// began holds through every grain call and, through the journal rows, beyond (README, "Tracing"). A recorded span is
/// left to Orleans, whose client span replaces this context.
/// </summary>
public sealed class SampledOutContext : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (Activity.Current is { Recorded: false } unrecorded)
        {
            DistributedContextPropagator.Current.Inject(unrecorded, null, static (_, key, value) => RequestContext.Set(key, value));
        }

        return context.Invoke();
    }
}
