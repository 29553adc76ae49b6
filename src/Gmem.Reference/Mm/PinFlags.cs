namespace Gmem.Reference.Mm;

/// <summary>Kinds of GUP pin (<c>FOLL_PIN</c> modifiers).</summary>
[Flags]
public enum PinFlags
{
    /// <summary>A normal (short-term) pin.</summary>
    None = 0,
    /// <summary><c>FOLL_LONGTERM</c>: the pin may be held indefinitely (e.g. by a device).</summary>
    Longterm = 1 << 0,
    /// <summary>An exclusive pin: no other pin may coexist with it; released when the private memory is freed or shared.</summary>
    Exclusive = 1 << 1,
}
