"""The generator as a plugin of an existing blog: ``generator.yml``, engine adapters, and a writer that owns only
its own files.

The adapters per engine (Jekyll, Hugo, MkDocs, Hexo) in engines.py, generator.yml in config.py, the plan and the
writer of a blog's files, and the native MkDocs plugin (mkdocs_plugin.py).

May import: everything below it (core up to site); not cli."""
