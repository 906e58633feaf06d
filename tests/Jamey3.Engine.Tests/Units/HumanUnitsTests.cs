using Jamey3.Engine.Progress;

namespace Jamey3.Engine.Tests.Units;

public class HumanUnitsTests
{
    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1024, "1.0 KiB")]
    [InlineData(12_897_485, "12.3 MiB")]
    [InlineData(5L << 40, "5.0 TiB")]
    public void Sizes_read_in_binary_units_with_one_decimal(long bytes, string expected) => Assert.Equal(expected, HumanUnits.Bytes(bytes));

    [Theory]
    [InlineData(0.35, "350 ms")]
    [InlineData(4.24, "4.2 s")]
    [InlineData(185, "3 min 5 s")]
    [InlineData(7800, "2 h 10 min")]
    public void Durations_read_in_the_largest_sensible_unit(double seconds, string expected) =>
        Assert.Equal(expected, HumanUnits.Duration(TimeSpan.FromSeconds(seconds)));
}
