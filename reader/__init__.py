"""The reader application: store, refresh, command line and Textual app."""
