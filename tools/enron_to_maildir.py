"""Convert the Enron EDRM JSON Lines mailboxes into maildir trees (test data): ``make corpora``.

A thin wrapper: the converter is :mod:`upwell.lab.corpora.enron` (``upwell eval real`` uses it
too). Usage::

    python tools/enron_to_maildir.py --src ../shared/data/enron-edrm-10-mailboxes --out DIR \
        [--mailbox NAME ...] [--force]
"""

from __future__ import annotations

import sys

from upwell.lab.corpora.enron import (
    OutputNotEmpty,
    Party,
    clean_parties,
    clean_party,
    convert,
    convert_mailbox,
    folder_dir,
    main,
)

__all__ = ["OutputNotEmpty", "Party", "clean_parties", "clean_party", "convert",
           "convert_mailbox", "folder_dir", "main"]

if __name__ == "__main__":
    sys.exit(main())
