"""The planner's web app of ``jtai-sim app``: a Shiny for Python front end, like the CLI.

One module per job:

* :mod:`runner.app.paths`: keep every path the user gives inside the workspace;
* :mod:`runner.app.access`: the access token asked of every request off localhost;
* :mod:`runner.app.levers`: the planner's levers, their ranges (from the scenario
  schema) and the variant they make;
* :mod:`runner.app.whatif`: one what-if run in the background, with progress and cancel;
* :mod:`runner.app.tables`: the headline table shown after a run;
* :mod:`runner.app.page`: the page and its per-browser-session server logic;
* :mod:`runner.app.serve`: the ASGI application and the uvicorn server.

Only :mod:`runner.commands.app` imports this package, inside the command, so
``jtai-sim --help`` never loads Shiny.
"""
