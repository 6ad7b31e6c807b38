namespace ShipmentGrid.Billing;

[GenerateSerializer, Alias("sg.charge-type.v1")]
public enum ChargeType
{
    Linehaul = 0,
    FuelSurcharge = 1,
    Detention = 2,
    SpecialHandling = 3,
    OtherAccessorial = 4,
}

/// <summary>Where a charge came from: carrier rating, the carrier's freight invoice (X12 210), or a person.</summary>
[GenerateSerializer, Alias("sg.charge-source.v1")]
public enum ChargeSource
{
    Rating = 0,
    CarrierInvoice = 1,
    Manual = 2,
}
