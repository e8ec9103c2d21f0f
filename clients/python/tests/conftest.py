"""The kit's own tests: the plugin is installed (`pip install ./clients/python`), so its
fixtures come from the `pytest11` entry point, exactly as for a user. `pytester` runs inner
sessions for the teardown checks."""

pytest_plugins = ["pytester"]
