"""Live control of running graphs: the operator protocol server, its journal and the table replica."""
