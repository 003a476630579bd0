"""Selecting and ranking references: the criteria, relevance to a tender's text, the answer with its reasons."""
