using Gmem.Vmm.Scenarios;

namespace Gmem.Vmm.Tests.Scenarios;

public class ScenarioParserTests
{
    private const string Full = """
        # a complete scenario
        name windows
        describe Fill private memory, share a window, write it, read it from the host.
        platform reference
        memory 8M
        mode private
        huge 2M
        shared 0x200000 64K
        host-write 0x200000 4K 0x11
        guest
          fill 0x100000 0x10000 0xAA
          verify 0x100000 64K 0xaa
          loop 3
            touch 0x300000 8K
          end
          share 0x400000 8K
          fill 0x400000 8K 0x5A
          report 42
          halt
        expect report 0 42
        expect shared 0x400000 8K 0x5a
        expect private-unseen
        """;

    [Fact]
    public void Parse_FullScenario_ReadsEveryStatement()
    {
        Scenario s = ScenarioParser.Parse(Full);

        Assert.Equal("windows", s.Name);
        Assert.Equal("Fill private memory, share a window, write it, read it from the host.", s.Description);
        Assert.Equal(ScenarioPlatform.Reference, s.Platform);
        Assert.Equal(8UL << 20, s.MemoryBytes);
        Assert.Equal(ConfidentialityMode.Private, s.Mode);
        Assert.Equal((ulong)Page.Size2M, s.HugePageBytes);
        Assert.Equal([new SharedWindow(new Gpa(0x200000), 0x10000)], s.SharedWindows);
        Assert.Equal(["fill", "verify", "loop", "touch", "end", "share", "fill", "report", "halt"], s.Program.Select(p => p.Op));
        Assert.Equal([0x100000UL, 0x10000UL, 0xAAUL], s.Program[0].Operands);
        Assert.Equal([0x100000UL, 0x10000UL, 0xAAUL], s.Program[1].Operands);
        Assert.Equal(12, s.Program[1].Line);
        Assert.Equal(["host-write", "expect-report", "expect-shared", "expect-private-unseen"], s.Directives.Select(d => d.Verb));
        Assert.Equal([0UL, 42UL], s.Directives[1].Operands);
    }

    [Fact]
    public void Parse_MinimalScenario_UsesDefaults()
    {
        Scenario s = ScenarioParser.Parse("guest\nhalt\n", defaultName: "tiny");

        Assert.Equal("tiny", s.Name);
        Assert.Equal(ScenarioPlatform.Default, s.Platform);
        Assert.Equal(ConfidentialityMode.Private, s.Mode);
        Assert.Equal(4UL << 20, s.MemoryBytes);
        Assert.Empty(s.SharedWindows);
    }

    [Theory]
    [InlineData("memory 8X\nguest\nhalt", 1, 8, "'8X' is not a number")]
    [InlineData("memory 1000\nguest\nhalt", 1, 8, "positive multiple of 4K")]
    [InlineData("platform hyperv\nguest\nhalt", 1, 10, "'hyperv' is not one of: default, kvm, reference")]
    [InlineData("frobnicate 1\nguest\nhalt", 1, 1, "Unknown statement 'frobnicate'")]
    [InlineData("guest\n  fill 0x1000 4K\n  halt", 2, 17, "'fill' takes 3 operand(s), found 2")]
    [InlineData("guest\n  fill 0x1000 4K 0x100\n  halt", 2, 18, "'0x100' is not a byte value")]
    [InlineData("guest\n  share 0x1001 4K\n  halt", 2, 9, "page-aligned")]
    [InlineData("guest\n  jump 3\n  halt", 2, 3, "Unknown guest operation 'jump'")]
    [InlineData("guest\n  loop 2\n  halt", 2, 1, "'loop' is never closed")]
    [InlineData("guest\n  end\n  halt", 2, 3, "'end' without a 'loop'")]
    [InlineData("guest\n  report 1\n", 2, 1, "must end with 'halt'")]
    [InlineData("guest\nhalt\nexpect shared 0 4K", 3, 19, "'expect' takes 4 operand(s), found 3")]
    [InlineData("guest\nhalt\nexpect nothing", 3, 8, "Unknown expectation 'nothing'")]
    [InlineData("shared 0 4K 5\nguest\nhalt", 1, 13, "Unexpected '5'")]
    [InlineData("memory 99999999999999999999\nguest\nhalt", 1, 8, "is not a number")]
    [InlineData("memory 0xffffffffffffffffK\nguest\nhalt", 1, 8, "does not fit in 64 bits")]
    public void Parse_BadInput_NamesLineAndColumn(string text, int line, int column, string reason)
    {
        var e = Assert.Throws<ScenarioSyntaxException>(() => ScenarioParser.Parse(text, "bad.gmem"));

        Assert.Equal(line, e.Line);
        Assert.Equal(column, e.Column);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.StartsWith($"bad.gmem:{line}:{column}: ", e.Message, StringComparison.Ordinal);
    }
}
