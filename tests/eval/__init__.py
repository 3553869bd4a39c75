"""Evaluation sets and scripts for issue 17: the timeline and related items on others' text."""
