"""The lab: the code that builds, measures and demonstrates Upwell, outside the product path.

``sim`` (``upwell simulate``: a synthetic organization with planted behaviours and their truth,
and the demo corpus shipped for clones without ../shared/data), ``bench`` (``upwell bench ...``
and ``upwell web bench``: numbers, never timed tests), ``evaluate`` (``upwell eval ...``:
analyzers against human labels, insights against a simulation's truth), ``train``
(``upwell train ...``: the shipped models, refitted reproducibly) and ``org_demo``
(``upwell org demo``: a simulated org behind the privacy guard).

The lab imports the product; product code never imports the lab. Only the CLI commands that run
lab code (``cli/lab.py``, ``cli/org.py``, ``cli/web.py``) import it, inside
the command function. ``tests/test_layering_lab.py`` checks both rules on every module.
"""
