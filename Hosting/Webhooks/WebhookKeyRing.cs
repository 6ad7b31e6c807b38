using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace ShipmentGrid.Hosting.Webhooks;

/// <summary>The embedded grid's Data Protection key ring, as long as the process lives (its secrets live no longer).</summary>
public sealed class InMemoryKeyRing : IXmlRepository
{
    private readonly Lock gate = new();
    private readonly List<XElement> elements = [];

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (gate)
        {
            return [.. elements.Select(element => new XElement(element))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        ArgumentNullException.ThrowIfNull(element);
        lock (gate)
        {
            elements.Add(new XElement(element));
        }
    }
}
