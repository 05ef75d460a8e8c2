Console.WriteLine("Benchmarks: see issue 7.");
