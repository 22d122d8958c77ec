"""Whole-storage operations behind the management commands.

Each is a function that a test or a deployment script can call: :func:`.copy.copy_media`
(``b2_copy_media``), :func:`.orphans.find_orphans` / :func:`.orphans.delete_orphans`
(``b2_orphans``) and :func:`.check.check_storages` (``b2_check``). The commands only parse
arguments, ask for confirmation and print.
"""
