"""Web contact forms: finding and filling fields, spotting CAPTCHAs, and telling what a submit did.

The browser work is orchestrated by servaudit/channels/form/probe.py; the words
these modules look for live in probes/forms/*.toml.
"""
