"""Print the project's dependencies from pyproject.toml, one per line.

The project runs from its root and is never installed as a wheel (its top-level packages
`db`, `bot`, ... would clash with others), so `make install` installs only what it needs.
"""

import sys
import tomllib

with open("pyproject.toml", "rb") as fh:
    project = tomllib.load(fh)["project"]
wanted = list(project["dependencies"])
for extra in sys.argv[1:]:
    wanted += project["optional-dependencies"][extra]
sys.stdout.write("\n".join(wanted) + "\n")
