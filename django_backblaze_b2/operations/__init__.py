"""Whole-storage operations behind the management commands.

Each is a function that a test or a deployment script can call: :func:`.copy.copy_media`
(``b2_copy_media``), :func:`.orphans.find_orphans` / :func:`.orphans.delete_orphans`
(``b2_orphans``) and :func:`.check.check_storages` (``b2_check``). The commands only parse
arguments, ask for confirmation and print.

Copies and orphans stream: a storage's files come from :mod:`.inventory` in B2's name order (B2
listings through :mod:`django_backblaze_b2.bulk`, 1000 names a call), the names rows hold from
:mod:`.references` in the same order, and the two are merged as they go, so memory does not grow
with the bucket. Work on files runs in :mod:`.parallel`'s bounded thread pool.
"""
