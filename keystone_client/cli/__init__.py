"""The ``keystone`` command line (extra ``cli``), generated from the collection declarations.

Nothing here is imported by the library itself; the console script is
`keystone_client.cli.main.main`.
"""
