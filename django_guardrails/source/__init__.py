"""Reading the project's own Python source: parsed once per file, indexed, asked by every check."""
