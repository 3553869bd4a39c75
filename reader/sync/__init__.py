"""Sync with the servers people already run: Google Reader API servers (FreshRSS, Miniflux,
Inoreader, The Old Reader, BazQux) and Tiny Tiny RSS.

The protocol clients (`greader`, `ttrss`) hold no database code; `state` holds the accounts,
the remote ids and the journal of unsent marks; `engine` pushes the journal and pulls the rest.
"""
