"""How this process runs: one command then exit (the command line), or for hours (the web page).

A process that runs one command may spend its cores and memory on it — a large library read
afresh is parsed by one process per core (library.loader) — where a long-running one must not.
Set by the front end before any work, read where it matters; nothing else here, so that
setting it costs no import.
"""

one_command = False
