namespace Jamey3.SampleData; static class Program { static int Main(string[] a) => 0; }
