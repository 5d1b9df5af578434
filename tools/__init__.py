"""Tooling around the pipeline, kept out of the runtime packages (pipeline/, connectors/ never import it).

`benchmark` (`wirestream bench`), `soak` (`wirestream soak`), `simulator` and `simulate` (the spike simulator and
`wirestream simulate`), `synthetic` (made-up stories, distinct by construction). Installed with the project, the
commands are registered through the `wirestream.commands` entry points (pyproject.toml), which pipeline/cli.py
loads when it builds its parser.
"""
