"""The front ends: the command line (and the web page), thin layers over the core."""
