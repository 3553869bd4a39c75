"""The app core: the layer between the database and the screens.

`query` (what a view shows) and `config` (the validated settings) are plain data and import no
Textual, so the command line uses them too. `database`, `refresh_service` and `app_core` run
every store call off the UI thread and tell the screens what happened through `messages`.
"""
