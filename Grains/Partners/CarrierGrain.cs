using Microsoft.Extensions.DependencyInjection;
using ShipmentGrid.Access;
using ShipmentGrid.Shipments;
using ShipmentGrid.Validation;

namespace ShipmentGrid.Partners;

public sealed class CarrierGrain(
    [PersistentState("carrier", GridProviders.Storage)] IPersistentState<CarrierState> carrier,
    [FromKeyedServices(TimeProviderNames.Grains)] TimeProvider clock) : Grain, ICarrierGrain
{
    public async Task<CommandResult> Register(CarrierProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        if (Caller.Current is { IsAdmin: false } caller)
        {
            return caller.CanReadCarrier(this.GetPrimaryKeyString())
                ? new CommandResult(CommandOutcome.Rejected, RejectionCode.Forbidden, "Only admins register carriers and their code mappings.", FieldErrors.None)
                : new CommandResult(CommandOutcome.Rejected, RejectionCode.NotFound, $"No carrier '{this.GetPrimaryKeyString()}'.", FieldErrors.None);
        }

        var errors = CarrierValidation.Validate(profile);
        if (errors.IsEmpty && profile.CarrierId != this.GetPrimaryKeyString())
        {
            errors = errors.Add("carrierId", [$"Must be {this.GetPrimaryKeyString()}, the carrier this profile is registered under."]);
        }

        if (!errors.IsEmpty)
        {
            return new CommandResult(CommandOutcome.Rejected, RejectionCode.ValidationFailed, "Validation failed.", errors);
        }

        var now = clock.GetUtcNow();
        if (carrier.State.Current is { } current)
        {
            if (CarrierCodes.SameProfile(current.Profile, profile))
            {
                return new CommandResult(
                    CommandOutcome.Duplicate, RejectionCode.None, $"Carrier {profile.CarrierId} is already registered with this profile.", FieldErrors.None);
            }

            carrier.State.Current = current with { Profile = profile, Version = current.Version + 1, UpdatedAt = now };
        }
        else
        {
            carrier.State.Current = new RegisteredCarrier(profile, Version: 1, RegisteredAt: now, UpdatedAt: now);
        }

        await carrier.WriteStateAsync();
        return new CommandResult(CommandOutcome.Applied, RejectionCode.None, null, FieldErrors.None);
    }

    public Task<RegisteredCarrier?> GetProfile() =>
        Task.FromResult(Caller.Current is { } caller && !caller.CanReadCarrier(this.GetPrimaryKeyString()) ? null : carrier.State.Current);
}

[GenerateSerializer, Alias("sg.carrier-state.v1")]
public sealed class CarrierState
{
    [Id(0)]
    public RegisteredCarrier? Current { get; set; }
}
