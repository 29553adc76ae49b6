// The one door between the guest CPU and everything outside it.
//
// Every instruction fetch, load, store, port I/O and hypercall of BytecodeCpu is a call on this
// interface; the CPU has no other way to reach memory or the host. The Reference hypervisor implements
// it with the stage-2 table and the fault path (a hit on a stage-2 leaf is a copy from or to the frame;
// a miss runs the fault path, which maps the page, asks for a retry, or ends in an exit), exactly where
// a hardware access would take an EPT walk and an EPT violation in KVM. Tests implement it with flat
// memory and scripted faults.
//
// Contract for every method:
// - Called only from the thread that is inside BytecodeCpu.Run; implementations need no locking
//   against the CPU, but must make each call atomic against invalidations (copy under whatever keeps
//   the stage-2 leaf valid, or check MustRetry after the copy and answer Retry).
// - [address, address + length) never crosses a base page (Page.Size) boundary; the CPU splits.
//   Lengths are 1..Page.Size bytes.
// - The CPU does not say whether an access is private or shared: the bus decides (per VM type, e.g.
//   from a GPA bit or the memory attributes) and reports it in a MemoryFault exit's flags.
// - Outcomes are values (BusResult), never exceptions; the hot path (a completed access) allocates nothing.
//
// What the CPU does with each outcome (the restart rules of docs/bytecode-isa.md):
// - Completed: the access happened; the instruction goes on.
// - Retry: nothing happened; the instruction is re-executed from its start (nothing of it retired).
// - Exit(MemoryFault, or any exit not listed below): nothing of the instruction retired; Run returns
//   the exit; the next Run re-executes the instruction (after the VMM converted the page, say).
// - Exit(Mmio) from Read (not Fetch): Run returns it; the next Run finishes the load with Mmio.Data
//   (which the handler filled) and retires the instruction.
// - Exit(Mmio) from Write: the store is done (the VMM got Mmio.Data); the instruction retires first.
// - Exit(Mmio) from a Fetch, or from a range instruction (FILL/CMPB): the CPU reports an
//   InternalError (emulation failure), like KVM when it cannot emulate the access.
// - Exit(Io) from PortIo: OUT retires; IN finishes on the next Run with Io.Data.
// - Exit(Hypercall) from Hypercall: the next Run writes Hypercall.Ret into r0 and retires it.
namespace Gmem.Reference.Cpu;

/// <summary>
/// The guest CPU's view of the machine: every instruction fetch, load, store, port I/O and hypercall
/// of <see cref="BytecodeCpu"/> goes through it. The Reference hypervisor implements it with its
/// stage-2 table and fault path; tests implement it with flat memory.
/// </summary>
/// <remarks>
/// <para>
/// Calls come only from the thread inside <see cref="BytecodeCpu.Run()"/>. A memory access never crosses a
/// base page: <c>[address, address + length)</c> lies inside one <see cref="Page.Size"/> page, and
/// length is 1 to <see cref="Page.Size"/> bytes. The bus, not the CPU, decides whether an access is
/// private or shared.
/// </para>
/// <para>
/// Outcomes: <see cref="BusResult.Completed"/> — the access happened. <see cref="BusResult.Retry"/> —
/// nothing happened, the instruction is re-executed. An exit — returned from <c>Run</c>; a
/// <see cref="VcpuExit.MemoryFault"/> (or any exit not named below) leaves the instruction un-retired so
/// the next <c>Run</c> re-executes it; a <see cref="VcpuExit.Mmio"/> read is finished with its
/// <see cref="VcpuExit.Mmio.Data"/> on the next <c>Run</c>; an MMIO write retires at once; a
/// <see cref="VcpuExit.Io"/> IN is finished with its data on the next <c>Run</c>; a
/// <see cref="VcpuExit.Hypercall"/> gets its <see cref="VcpuExit.Hypercall.Ret"/> written into r0 on the
/// next <c>Run</c>. An MMIO exit for a fetch or a range instruction becomes an
/// <see cref="VcpuExit.InternalError"/> (emulation failure).
/// </para>
/// </remarks>
public interface IGuestBus
{
    /// <summary>
    /// Reads <c>destination.Length</c> bytes of guest memory at <paramref name="address"/>
    /// (an instruction fetch or a data load).
    /// </summary>
    /// <param name="address">The first guest physical address read.</param>
    /// <param name="destination">Receives the bytes when the result is <see cref="BusStatus.Completed"/>.</param>
    /// <param name="access"><see cref="GuestAccessType.Fetch"/> or <see cref="GuestAccessType.Read"/>.</param>
    /// <returns>
    /// Completed; Retry; or an exit: <see cref="VcpuExit.MemoryFault"/> (private/shared mismatch, gmem
    /// error), <see cref="VcpuExit.Mmio"/> with <c>IsWrite = false</c> and a <c>Data</c> array of
    /// <c>destination.Length</c> bytes for the handler to fill (no memslot).
    /// </returns>
    BusResult Read(Gpa address, Span<byte> destination, GuestAccessType access);

    /// <summary>Writes <paramref name="source"/> to guest memory at <paramref name="address"/> (a data store).</summary>
    /// <param name="address">The first guest physical address written.</param>
    /// <param name="source">The bytes to store.</param>
    /// <returns>
    /// Completed; Retry; or an exit: <see cref="VcpuExit.MemoryFault"/>, or <see cref="VcpuExit.Mmio"/>
    /// with <c>IsWrite = true</c> and a copy of <paramref name="source"/> (no memslot).
    /// </returns>
    BusResult Write(Gpa address, ReadOnlySpan<byte> source);

    /// <summary>
    /// Stores <paramref name="value"/> into <paramref name="length"/> bytes at <paramref name="address"/>:
    /// the same access as <see cref="Write"/> with a source of identical bytes, without the buffer.
    /// </summary>
    /// <param name="address">The first guest physical address written.</param>
    /// <param name="length">Bytes to store (1 to <see cref="Page.Size"/>, inside one page).</param>
    /// <param name="value">The byte stored everywhere.</param>
    /// <returns>As <see cref="Write"/>.</returns>
    BusResult Fill(Gpa address, int length, byte value);

    /// <summary>A port I/O instruction (x86 <c>IN</c>/<c>OUT</c>).</summary>
    /// <param name="direction">In or out.</param>
    /// <param name="port">The I/O port.</param>
    /// <param name="data">1, 2 or 4 bytes: the guest's value for Out; receives the value for In when Completed.</param>
    /// <returns>
    /// Completed (the bus handled the port itself), or an exit: normally a <see cref="VcpuExit.Io"/> with
    /// <c>Count = 1</c> and a <c>Data</c> array of <c>data.Length</c> bytes (a copy of <paramref name="data"/> for Out).
    /// </returns>
    BusResult PortIo(IoDirection direction, ushort port, Span<byte> data);

    /// <summary>A hypercall (x86 <c>VMCALL</c>): number in r0, arguments in r1–r6, result in r0.</summary>
    /// <param name="nr">The hypercall number (12 = <c>KVM_HC_MAP_GPA_RANGE</c>).</param>
    /// <param name="args">The six arguments.</param>
    /// <param name="ret">The guest-visible result when Completed (e.g. −1000 when forwarding is not enabled, −22 for bad arguments).</param>
    /// <returns>Completed with <paramref name="ret"/>; Retry; or an exit, normally a <see cref="VcpuExit.Hypercall"/> whose <c>Ret</c> the handler sets.</returns>
    BusResult Hypercall(ulong nr, ReadOnlySpan<ulong> args, out long ret);
}
