"""Judging what came back: match a reply to its inquiry, classify it with its evidence, score its quality."""
