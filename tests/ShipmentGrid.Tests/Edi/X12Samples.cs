using System.Collections.Immutable;
using ShipmentGrid.Edi;
using ShipmentGrid.Tests.Rules;

namespace ShipmentGrid.Tests.Edi;

/// <summary>Builds X12 text with '*' and '~', counts and control numbers right unless a test says otherwise.</summary>
internal static class X12Samples
{
    public static readonly DateTimeOffset ReceivedAt = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);

    public static EdiIntakeContext Context(string? timeZone = "America/Chicago") =>
        new(SampleCarriers.Acme, ["ACME", "123456789"], timeZone, ReceivedAt);

    public static string Isa(string sender = "ACME", string control = "000000001", string version = "00401", char repetition = 'U', string usage = "P") =>
        $"ISA*00*          *00*          *02*{sender,-15}*ZZ*SHIPGRID       *250110*1200*{repetition}*{version}*{control}*0*{usage}*>~";

    public static string Interchange(params string[] groups) => Interchange("000000001", "00401", 'U', groups);

    public static string Interchange(string control, string version, char repetition, params string[] groups) =>
        Isa(control: control, version: version, repetition: repetition) + string.Concat(groups) + $"IEA*{groups.Length}*{control}~";

    public static string Group(string functionalId, string control, string version, params string[] sets) =>
        $"GS*{functionalId}*ACME*SHIPGRID*20250110*1200*{control}*X*{version}~" + string.Concat(sets) + $"GE*{sets.Length}*{control}~";

    public static string Set(string id, string control, params string[] body) =>
        $"ST*{id}*{control}~" + string.Concat(body.Select(segment => segment + "~")) + $"SE*{body.Length + 2}*{control}~";

    public static string Status214(string control, string status = "D1", string date = "20250109", string time = "1430", string timeCode = "CT", string shipment = "SHP-1") =>
        Set("214", control, $"B10*PRO123*{shipment}*ACME", "L11*BOL77*BM", "L11*PO-9*PO", "LX*1", $"AT7*{status}*NS***{date}*{time}*{timeCode}", "MS1*Chicago*IL*USA", "MS2*ACME*TRL42");

    public static string Invoice210(string control, string net = "165000", string total = "165000", string fuelCode = "FUE", string invoice = "INV-7") =>
        Set(
            "210",
            control,
            $"B3**{invoice}*SHP-1*PP**20250108*{net}****ACME",
            "C3*USD",
            "LX*1",
            "L5*1*Freight all kinds",
            "L0*1*1*FR*1200*G***10*PLT**L",
            "L1*1*2.50*PH*150000****400",
            "LX*2",
            "L5*2*Fuel surcharge",
            $"L1*2***15000****{fuelCode}",
            $"L3*1200*G***{total}");

    public static EdiInterchangeResult Read(string raw, EdiIntakeContext? context = null) => EdiIntake.Read(raw, context ?? Context());

    public static ImmutableArray<string> Senders { get; } = ["ACME"];
}
