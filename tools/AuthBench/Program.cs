using BenchmarkDotNet.Running;
using ShipmentGrid.Tools.AuthBench;

// The throughput cost of API-key authentication: the API's access pipeline on Kestrel with and without a key, beside
// the same server without it; and the authenticator alone. BENCHMARKS.md ("Authentication cost") records a run.
//
// usage: dotnet run -c Release --project tools/AuthBench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(RequestBenchmarks).Assembly).Run(args);
