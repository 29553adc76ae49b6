// BytecodeCpu, part 2: the instructions that leave the CPU — loads, stores, FILL/CMPB, port I/O and
// hypercalls — and how each bus outcome maps to retire / restart / finish-on-next-run (see BytecodeCpu.cs).
using System.Buffers.Binary;

namespace Gmem.Reference.Cpu;

/// <content>Memory, port I/O and hypercall instructions.</content>
public sealed partial class BytecodeCpu
{
    private VcpuExit? Load(Instruction insn, int size)
    {
        ulong address = _registers[insn.B] + (ulong)insn.Immediate;
        Span<byte> data = _data.AsSpan(0, size);
        int first = BytesInPage(address, size);
        BusResult result = _bus.Read(new Gpa(address), data[..first], GuestAccessType.Read);
        if (result.IsCompleted && first < size)
        {
            result = _bus.Read(new Gpa(address + (ulong)first), data[first..], GuestAccessType.Read);
            if (result.Exit is VcpuExit.Mmio)
            {
                return EmulationError(_ip, (ulong)insn.Opcode);
            }
        }

        switch (result.Status)
        {
            case BusStatus.Completed:
                _registers[insn.A] = ReadLittleEndian(data, size);
                Retire();
                return null;
            case BusStatus.Retry:
                return null;
            default:
                if (result.Exit is VcpuExit.Mmio mmio)
                {
                    if (first < size)
                    {
                        return EmulationError(_ip, (ulong)insn.Opcode);
                    }

                    SetPending(PendingCompletion.MmioRead, insn.A, mmio);
                }

                return result.Exit;
        }
    }

    // A store that crosses a page writes its first part before the second is tried; when the second
    // faults, re-execution writes the same bytes again, so memory ends as if the store ran once.
    private VcpuExit? Store(Instruction insn, int size)
    {
        ulong address = _registers[insn.B] + (ulong)insn.Immediate;
        Span<byte> data = _data.AsSpan(0, size);
        BinaryPrimitives.WriteUInt64LittleEndian(_data, _registers[insn.A]);
        int first = BytesInPage(address, size);
        BusResult result = _bus.Write(new Gpa(address), data[..first]);
        if (result.IsCompleted && first < size)
        {
            result = _bus.Write(new Gpa(address + (ulong)first), data[first..]);
            if (result.Exit is VcpuExit.Mmio)
            {
                return EmulationError(_ip, (ulong)insn.Opcode);
            }
        }
        else if (result.Exit is VcpuExit.Mmio && first < size)
        {
            return EmulationError(_ip, (ulong)insn.Opcode);
        }

        return FinishWithRetireOn<VcpuExit.Mmio>(result);
    }

    private VcpuExit? FillChunk(Instruction insn)
    {
        ulong remaining = _registers[insn.B];
        if (remaining == 0)
        {
            Retire();
            return null;
        }

        ulong address = _registers[insn.A];
        int chunk = BytesInPage(address, (int)Math.Min(remaining, Page.Size));
        BusResult result = _bus.Fill(new Gpa(address), chunk, (byte)insn.Immediate);
        if (!result.IsCompleted)
        {
            return result.Exit is VcpuExit.Mmio ? EmulationError(_ip, (ulong)insn.Opcode) : result.Exit;
        }

        _registers[insn.A] = address + (ulong)chunk;
        _registers[insn.B] = remaining - (ulong)chunk;
        if (remaining == (ulong)chunk)
        {
            Retire();
        }

        return null;
    }

    private VcpuExit? CompareChunk(Instruction insn)
    {
        ulong remaining = _registers[insn.B];
        if (remaining == 0)
        {
            _registers[insn.C] = 0;
            Retire();
            return null;
        }

        ulong address = _registers[insn.A];
        int chunk = BytesInPage(address, (int)Math.Min(remaining, Page.Size));
        Span<byte> bytes = _scratch.AsSpan(0, chunk);
        BusResult result = _bus.Read(new Gpa(address), bytes, GuestAccessType.Read);
        if (!result.IsCompleted)
        {
            return result.Exit is VcpuExit.Mmio ? EmulationError(_ip, (ulong)insn.Opcode) : result.Exit;
        }

        int mismatch = bytes.IndexOfAnyExcept((byte)insn.Immediate);
        int advance = mismatch < 0 ? chunk : mismatch;
        _registers[insn.A] = address + (ulong)advance;
        _registers[insn.B] = remaining - (ulong)advance;
        if (mismatch >= 0)
        {
            _registers[insn.C] = 1;
            Retire();
        }
        else if (remaining == (ulong)chunk)
        {
            _registers[insn.C] = 0;
            Retire();
        }

        return null;
    }

    private VcpuExit? PortOut(Instruction insn)
    {
        Span<byte> data = _data.AsSpan(0, insn.C);
        BinaryPrimitives.WriteUInt64LittleEndian(_data, _registers[insn.A]);
        return FinishWithRetireOn<VcpuExit.Io>(_bus.PortIo(IoDirection.Out, (ushort)insn.Immediate, data));
    }

    private VcpuExit? PortIn(Instruction insn)
    {
        Span<byte> data = _data.AsSpan(0, insn.C);
        data.Clear();
        BusResult result = _bus.PortIo(IoDirection.In, (ushort)insn.Immediate, data);
        switch (result.Status)
        {
            case BusStatus.Completed:
                _registers[insn.A] = ReadLittleEndian(data, insn.C);
                Retire();
                return null;
            case BusStatus.Retry:
                return null;
            default:
                if (result.Exit is VcpuExit.Io io)
                {
                    SetPending(PendingCompletion.PortIn, insn.A, io);
                }

                return result.Exit;
        }
    }

    private VcpuExit? Hypercall()
    {
        BusResult result = _bus.Hypercall(_registers[0], _registers.AsSpan(1, 6), out long ret);
        switch (result.Status)
        {
            case BusStatus.Completed:
                _registers[0] = (ulong)ret;
                Retire();
                return null;
            case BusStatus.Retry:
                return null;
            default:
                if (result.Exit is VcpuExit.Hypercall hypercall)
                {
                    SetPending(PendingCompletion.Hypercall, 0, hypercall);
                }

                return result.Exit;
        }
    }

    // Completed retires; an exit of type TRetired carries the instruction's effect and retires too;
    // Retry and every other exit leave the instruction to be re-executed.
    private VcpuExit? FinishWithRetireOn<TRetired>(BusResult result)
        where TRetired : VcpuExit
    {
        if (result.IsCompleted || result.Exit is TRetired)
        {
            Retire();
        }

        return result.Exit;
    }

    // How many of `size` bytes from `address` lie in address's page.
    private static int BytesInPage(ulong address, int size) =>
        (int)Math.Min((ulong)size, Page.Size - (address & Page.OffsetMask));
}
