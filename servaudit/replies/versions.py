"""What a stored judgement's version is made of, importable without the judges themselves.

Every collect asks whether anything waits for a decision (servaudit/collect.py, judging_inputs);
most bring nothing new, and then neither the classifier nor its vocabularies are loaded at all.
"""

from __future__ import annotations

CLASSIFIER_VERSION = "3"
"""The decision rules' version; with the vocabulary's fingerprint it names a judgement (judge_version).

1: the first classifier (word count could overrule headers; the rest fell to human).
2: the evidence table, ``unknown``, echo removal, the arrival delay as strong evidence.
3: the judgement also holds what the report shows: excerpt, stated facts, acknowledgement traits
   (servaudit/replies/reading.py), so stores judged before are read again.
"""
FINDINGS_VERSION = 2
"""Raised when the reading of findings (promise, refusal, hygiene: servaudit/replies/findings.py)
changes in code, so stored messages are read again; vocabulary changes are caught by the digest.

2: a person's chat turns are read for language and register too (they were not compared)."""
FINDINGS_FILE = "vocabulary/findings.toml"
READ_FILES = ("vocabulary/acknowledgement.toml", "vocabulary/quality.toml", FINDINGS_FILE)
"""The vocabularies a reading uses besides the classifier's own (replies.toml)."""
