using RandomDemo.LoadTool.Cli;

// loadtool COMMAND [--flag value ...]; see Usage.Text or run with --help.
return await LoadToolCommands.RunAsync(args);
