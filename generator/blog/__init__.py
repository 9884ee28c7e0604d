"""The generator as a plugin of an existing blog: ``generator.yml``, engine adapters, and a writer that owns only
its own files."""
