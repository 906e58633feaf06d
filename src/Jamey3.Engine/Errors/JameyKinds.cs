namespace Jamey3.Engine.Errors;

/// <summary>Questions about a failure's kind, asked here so that no code outside the catalogue spells a kind.</summary>
public static class JameyKinds
{
    /// <summary>The data read is damaged or not what it claims (a backup's fault, not the reader's or the store's).</summary>
    public static bool IsInvalidData(Exception e) => e is JameyException { Kind: JameyErrorKind.InvalidData };

    /// <summary>Damaged, or not there: what a listing reports as a Damaged backup instead of failing.</summary>
    public static bool IsInvalidDataOrNotFound(Exception e) => e is JameyException { Kind: JameyErrorKind.InvalidData or JameyErrorKind.NotFound };
}
