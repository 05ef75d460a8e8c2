Console.WriteLine("TODO");
